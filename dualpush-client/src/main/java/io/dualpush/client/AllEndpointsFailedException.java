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
  /** The object's key, as {@link #key()} returns it. */
  private final String key;
  private final transient List<ReadAttempt> attempts;

  /**
   * A read that failed everywhere.
   *
   * @param key the object's key
   * @param attempts every try, in order
   * @param firstCause the first failure, or null when nothing was tried
   */
  public AllEndpointsFailedException(String key, List<ReadAttempt> attempts, @Nullable Throwable firstCause) {
    this(key, attempts, firstCause, attempts.isEmpty() ? "no endpoint could be tried"
        : attempts.stream().map(ReadAttempt::toString).collect(Collectors.joining("; ")));
  }

  /**
   * A read that failed everywhere, for a reason of its own.
   *
   * @param key the object's key
   * @param attempts every try, in order
   * @param firstCause the first failure, or null when nothing was tried
   * @param reason what went wrong, free of secrets
   */
  public AllEndpointsFailedException(String key, List<ReadAttempt> attempts, @Nullable Throwable firstCause,
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
