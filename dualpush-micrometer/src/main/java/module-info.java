/**
 * dualpush's Micrometer binder: {@link io.dualpush.micrometer.DualPushMetrics} turns one client's events, backlog
 * and per-destination lag into meters named {@code dualpush.*}. Micrometer appears here and nowhere in
 * {@code io.dualpush}, which is why it is required transitively: the binder's API names its types.
 */
// Micrometer's jars are automatic modules (micrometer.core); its types are in this module's API, hence transitive.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.dualpush.micrometer {
  requires transitive io.dualpush;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports io.dualpush.micrometer;
}
