/**
 * Redis adapters on Lettuce: {@link io.dualpush.redis.RedisLeaseStore} (fenced leases) and
 * {@link io.dualpush.redis.RedisDedupeStore} (message ids claimed once), for standalone Redis and
 * Redis Cluster, over TLS and AUTH/ACL as the caller's {@code RedisURI} sets them.
 */
@NullMarked
package io.dualpush.redis;

import org.jspecify.annotations.NullMarked;
