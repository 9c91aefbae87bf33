package io.dualpush.azure;

import java.util.regex.Pattern;

/**
 * Removes secrets from text and exceptions before they leave this module (guarantee G9): account
 * keys in connection strings, SAS signatures in URLs, shared-key authorization headers. Exceptions
 * are replaced by {@link ScrubbedException} copies that keep class name, scrubbed message, stack
 * trace and (scrubbed) causes.
 */
final class Scrub {
  private static final Pattern[] SECRETS = {
      Pattern.compile("(?i)(AccountKey=)[^;\\s\"']*"),
      Pattern.compile("(?i)(SharedAccessSignature=)[^;\\s\"']*"),
      // Every query parameter of a SAS: the signature and what it was computed over.
      Pattern.compile("(?i)([?&](?:sig|se|st|sp|sv|ss|srt|sr|spr|sip|skoid|sktid|skt|ske|sks|skv|saoid|suoid|scid|sdd)=)[^&\\s\"'<]*"),
      Pattern.compile("(?i)(SharedKey(?:Lite)?\\s+[^:\\s]+:)[^\\s\"',]*"),
      Pattern.compile("(?i)(Bearer\\s+)[A-Za-z0-9._~+/=-]+"),
  };

  private Scrub() {}

  static String text(String s) {
    String out = s;
    for (Pattern p : SECRETS) {
      out = p.matcher(out).replaceAll("$1REDACTED");
    }
    return out;
  }

  /** A copy of {@code t} and its causes with every message scrubbed. */
  static ScrubbedException of(Throwable t) {
    return copy(t, 0);
  }

  private static ScrubbedException copy(Throwable t, int depth) {
    ScrubbedException cause = t.getCause() != null && t.getCause() != t && depth < 10 ? copy(t.getCause(), depth + 1) : null;
    String message = t.getMessage() == null ? null : text(t.getMessage());
    ScrubbedException s = new ScrubbedException(t.getClass().getName(), message, cause);
    s.setStackTrace(t.getStackTrace());
    for (Throwable suppressed : t.getSuppressed()) {
      if (depth < 10) {
        s.addSuppressed(copy(suppressed, depth + 1));
      }
    }
    return s;
  }

  /** Stands in for an SDK exception whose message might have carried a secret. */
  static final class ScrubbedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String originalClass;

    ScrubbedException(String originalClass, String message, Throwable cause) {
      super(message, cause);
      this.originalClass = originalClass;
    }

    /** The class name of the exception this stands for. */
    String originalClass() {
      return originalClass;
    }

    @Override
    public String toString() {
      String m = getMessage();
      return originalClass + (m == null ? "" : ": " + m);
    }
  }
}
