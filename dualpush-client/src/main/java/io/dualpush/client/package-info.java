/**
 * The failover read client: {@link io.dualpush.client.FailoverReadClient} and
 * {@link io.dualpush.client.FailoverReadAsyncClient}, built by {@link io.dualpush.client.FailoverReadClientBuilder}
 * over {@link io.dualpush.client.ReadEndpoint}s. Reads go to the healthiest, fastest endpoint, fail over on errors,
 * timeouts and corrupt copies, and can be hedged; every answer is checked against the pushed MD5 before it is handed
 * over.
 */
@NullMarked
package io.dualpush.client;

import org.jspecify.annotations.NullMarked;
