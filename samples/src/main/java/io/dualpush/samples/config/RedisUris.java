package io.dualpush.samples.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The one check of a Redis URI given to a sample (the job file's {@code redis.uri}, the drill's {@code --redis}):
 * {@code redis://} or {@code rediss://}, a host, and no password in it, since passwords are named by environment
 * variable and a URI ends up in files, process lists and messages. Stateless.
 */
public final class RedisUris {
  private RedisUris() {}

  /** What is wrong with a Redis URI; each caller says it in its own words, never quoting the URI. */
  public enum Problem {
    /** Not a URI at all. */
    NOT_A_URI,
    /** It carries a password: user information, or a {@code password} query parameter. */
    CARRIES_PASSWORD,
    /** Not {@code redis://} or {@code rediss://}, or no host. */
    NOT_REDIS
  }

  /** A Redis URI refused, with why. */
  public static final class Refused extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final Problem problem;

    Refused(Problem problem) {
      super(problem.name());
      this.problem = problem;
    }

    /** Why it was refused. */
    public Problem problem() {
      return problem;
    }
  }

  /**
   * Parses and checks a Redis URI.
   *
   * @param text the URI as given
   * @return the URI, for a caller's further checks
   * @throws Refused when it is not a URI, carries a password, or is not a {@code redis}/{@code rediss} URI with a host
   *     (checked in that order: a URI with a password is refused as such, whatever else is wrong with it)
   */
  public static URI parse(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new Refused(Problem.NOT_A_URI);
    }
    if (uri.getRawUserInfo() != null || (uri.getRawQuery() != null && uri.getRawQuery().contains("password"))) {
      throw new Refused(Problem.CARRIES_PASSWORD);
    }
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new Refused(Problem.NOT_REDIS);
    }
    return uri;
  }
}
