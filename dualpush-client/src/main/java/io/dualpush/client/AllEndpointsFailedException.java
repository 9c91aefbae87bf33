package io.dualpush.client;

import io.dualpush.DualPushException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import java.util.stream.Collectors;

/**
 * Thrown when no endpoint returned a good copy of the object (and no stale copy could be served): its message lists
 * each endpoint's failure, free of secrets, and {@link #attempts()} has them all. The cause is the first failure.
 */
public class AllEndpointsFailedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The object's key. */
  private final String key;
  private final transient List<ReadAttempt> attempts;

  /**
   * A read that failed everywhere.
   *
   * @param key the object's key
   * @param attempts every try, in order
   * @param firstCause the first failure
   */
  public AllEndpointsFailedException(String key, List<ReadAttempt> attempts, Throwable firstCause) {
    this(key, attempts, firstCause, attempts.stream().map(ReadAttempt::toString)
        .collect(Collectors.joining("; ")));
  }

  /**
   * A read that failed before any endpoint was tried.
   *
   * @param key the object's key
   * @param reason why nothing was tried, free of secrets
   */
  public AllEndpointsFailedException(String key, String reason) {
    this(key, List.of(), null, reason);
  }

  private AllEndpointsFailedException(String key, List<ReadAttempt> attempts, @Nullable Throwable firstCause,
      String reason) {
    super("No endpoint returned a good copy of '" + key + "': " + reason, firstCause);
    this.key = key;
    this.attempts = List.copyOf(attempts);
  }

  /**
   * The object's key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * Every try, in the order they started.
   *
   * @return the attempts
   */
  public List<ReadAttempt> attempts() {
    return attempts;
  }
}
