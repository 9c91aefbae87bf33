package io.dualpush.samples.config;

import io.dualpush.DualPushClientBuilder;
import io.dualpush.WebhookAlertSink;
import java.util.Optional;
import java.util.function.Function;

/**
 * The alert webhook of the file, when it has one: a {@link WebhookAlertSink} posting to its URL,
 * with {@code Authorization: Bearer SECRET} when {@code secretEnv} names the secret's variable
 * (read here, never printed). Without a webhook the client keeps its default sink (SLF4J).
 * Thread-safe; close it after the client.
 */
public final class JobAlerts implements AutoCloseable {
  private final Optional<WebhookAlertSink> sink;

  private JobAlerts(Optional<WebhookAlertSink> sink) {
    this.sink = sink;
  }

  /**
   * The sink for a configuration.
   *
   * @param config the configuration, or empty for none
   * @param env the environment holding the secret
   * @return the alerts, possibly without a webhook
   */
  public static JobAlerts of(Optional<JobConfig> config, Function<String, String> env) {
    Optional<JobConfig.Webhook> webhook = config.flatMap(JobConfig::webhook);
    if (webhook.isEmpty()) {
      return new JobAlerts(Optional.empty());
    }
    WebhookAlertSink.Builder builder = WebhookAlertSink.builder().url(webhook.get().url());
    webhook.get().secretEnv().ifPresent(variable -> builder.header("Authorization", "Bearer " + env.apply(variable)));
    return new JobAlerts(Optional.of(builder.build()));
  }

  /**
   * Sends the client's alerts to the webhook, when there is one.
   *
   * @param builder the client's builder
   * @return the same builder
   */
  public DualPushClientBuilder addTo(DualPushClientBuilder builder) {
    sink.ifPresent(builder::alertSink);
    return builder;
  }

  /**
   * The webhook sink, for a caller that forwards alerts to it beside its own sink (the dashboard).
   *
   * @return the sink, or empty when the file has no webhook
   */
  public Optional<io.dualpush.spi.AlertSink> sink() {
    return sink.map(s -> s);
  }

  /** Delivers what is queued (bounded by the sink's close timeout) and stops. */
  @Override
  public void close() {
    sink.ifPresent(WebhookAlertSink::close);
  }
}
