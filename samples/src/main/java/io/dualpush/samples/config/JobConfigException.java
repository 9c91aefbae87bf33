package io.dualpush.samples.config;

/**
 * A configuration file that cannot be used: an unknown key, a value of the wrong type, a required
 * value missing, a bad duration, an environment variable not set. The message names the file and
 * the key path ({@code destinations[1].location}) and never holds an interpolated value or a
 * secret. Immutable; thread-safe.
 */
public final class JobConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The key path the problem is at, such as {@code destinations[1].location}; empty for the whole file. */
  private final String path;

  /**
   * A problem at one key of the file.
   *
   * @param file the configuration file, as the user named it
   * @param path the key path; empty for the file as a whole
   * @param problem what is wrong, in a phrase
   */
  public JobConfigException(String file, String path, String problem) {
    super(file + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    this.path = path;
  }

  /**
   * The key path of the problem.
   *
   * @return the path, such as {@code redis.lease.ttl}; empty when the problem is the file as a whole
   */
  public String path() {
    return path;
  }
}
