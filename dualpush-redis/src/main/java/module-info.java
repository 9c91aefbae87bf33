/**
 * dualpush for Redis: a lease store and a dedupe store built from the caller's own Lettuce client
 * or connection, which is why Lettuce is required transitively.
 */
module io.dualpush.redis {
  requires transitive io.dualpush;
  requires transitive lettuce.core;
  // Lettuce is an automatic module, which names none of its dependencies: an application on the module
  // path that requires only this module would otherwise start without the Netty modules Lettuce loads.
  requires io.netty.handler;
  requires io.netty.resolver.dns;
  requires static org.jspecify;

  exports io.dualpush.redis;
}
