package io.dualpush.samples.dashboard;

import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The headers every dashboard response carries: a Content-Security-Policy that allows only the page's own files (no
 * inline script or style) and its live socket, {@code nosniff}, no framing, no referrer. Stateless.
 */
final class SecurityHeaders {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

  private SecurityHeaders() {}

  /**
   * Sets the headers.
   *
   * @param header sets one header
   * @param host the request's {@code Host}, or null; a well-formed one names the live socket's origin in the CSP
   */
  static void apply(BiConsumer<String, String> header, String host) {
    header.accept("Content-Security-Policy", csp(host));
    header.accept("X-Content-Type-Options", "nosniff");
    header.accept("X-Frame-Options", "DENY");
    header.accept("Referrer-Policy", "no-referrer");
  }

  static String csp(String host) {
    String connect = "'self'";
    if (host != null && HOST.matcher(host).matches()) {
      // 'self' covers ws: in current browsers only; naming the socket's origin keeps older ones working.
      connect += " ws://" + host + " wss://" + host;
    }
    return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + connect
        + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  }
}
