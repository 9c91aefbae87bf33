/**
 * dualpush's failover read client: reads each object from the healthiest, fastest of several endpoints (any
 * dualpush {@code Destination}, or an HTTP(S) base URL read with {@code java.net.http}), and never hands over a copy
 * whose MD5 differs from the pushed one. Caffeine is used inside and appears in no public signature.
 */
module io.dualpush.client {
  requires transitive io.dualpush;
  requires transitive java.net.http;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.dualpush.client;
}
