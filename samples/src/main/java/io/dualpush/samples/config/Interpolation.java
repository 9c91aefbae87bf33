package io.dualpush.samples.config;

import java.util.function.Function;

/**
 * {@code ${ENV_VAR}} and {@code ${ENV_VAR:-default}} in configuration values, the shell's way:
 * the default applies when the variable is unset or empty; {@code $$} is a literal {@code $}.
 * Stateless; thread-safe.
 */
final class Interpolation {
  private Interpolation() {}

  /**
   * Replaces every reference in {@code raw}.
   *
   * @throws IllegalArgumentException naming the variable (never a value) when one is unset with no
   *     default, or a reference is not closed
   */
  static String apply(String raw, Function<String, String> env) {
    StringBuilder out = new StringBuilder(raw.length());
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c != '$' || i + 1 >= raw.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = raw.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
        continue;
      }
      if (next != '{') {
        out.append(c);
        i++;
        continue;
      }
      int end = raw.indexOf('}', i + 2);
      if (end < 0) {
        throw new IllegalArgumentException("'${' is not closed with '}' (write $$ for a literal $)");
      }
      String body = raw.substring(i + 2, end);
      int sep = body.indexOf(":-");
      String name = sep < 0 ? body : body.substring(0, sep);
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("'${" + name + "}' is not an environment variable name");
      }
      String value = env.apply(name);
      if (value == null || value.isEmpty()) {
        if (sep < 0) {
          throw new IllegalArgumentException("environment variable " + name
              + " is not set (write ${" + name + ":-default} to give a default)");
        }
        value = body.substring(sep + 2);
      }
      out.append(value);
      i = end + 1;
    }
    return out.toString();
  }
}
