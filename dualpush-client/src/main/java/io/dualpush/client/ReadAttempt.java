package io.dualpush.client;

import java.time.Duration;
import java.util.Objects;

/**
 * One try of one endpoint during a read, in the order the tries started. Immutable.
 *
 * @param endpointId the endpoint tried
 * @param outcome how the try ended
 * @param latency from the start of the try to its end
 * @param hedge whether it was a hedged read started while an earlier try was still running
 * @param detail why it failed, free of secrets; empty when it succeeded
 */
public record ReadAttempt(String endpointId, Outcome outcome, Duration latency, boolean hedge, String detail) {
  /** How a try ended. */
  public enum Outcome {
    /** It returned the object, and its bytes matched the expected MD5. */
    SUCCEEDED,
    /** The endpoint answered that it has no object under the key. */
    NOT_FOUND,
    /** It returned bytes whose MD5 differs from the expected one; they were not handed over. */
    CORRUPT,
    /** It failed: connection refused or reset, an HTTP 5xx, a truncated body. */
    FAILED,
    /** It did not answer within the attempt timeout (the read's own timer, or the endpoint client's timeout). */
    TIMED_OUT,
    /** Another try answered first, and this one was cancelled. */
    CANCELLED
  }

  /**
   * Checks the components.
   *
   * @param endpointId the endpoint tried
   * @param outcome how the try ended
   * @param latency from the start of the try to its end
   * @param hedge whether it was a hedged read
   * @param detail why it failed, empty when it succeeded
   */
  public ReadAttempt {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return endpointId + "=" + outcome + (hedge ? " (hedge)" : "") + " after " + latency.toMillis() + " ms"
        + (detail.isEmpty() ? "" : ": " + detail);
  }
}
