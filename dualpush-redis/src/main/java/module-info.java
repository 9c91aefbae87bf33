/**
 * dualpush for Redis: a lease store and a dedupe store built from the caller's own Lettuce client
 * or connection, which is why Lettuce is required transitively.
 */
module io.dualpush.redis {
  requires transitive io.dualpush;
  requires transitive lettuce.core;
  requires static org.jspecify;

  exports io.dualpush.redis;
}
