package io.dualpush.samples;

import java.io.PrintStream;
import java.util.function.Function;

/**
 * Where a command writes: results to {@code out}, progress and problems to {@code err}; and where it
 * reads environment variables ({@code env}: {@link System#getenv} outside tests, since Java cannot
 * set a variable for an in-process run).
 */
record Console(PrintStream out, PrintStream err, boolean terminal, Function<String, String> env) {
  Console(PrintStream out, PrintStream err, boolean terminal) {
    this(out, err, terminal, System::getenv);
  }

  static Console system() {
    return new Console(System.out, System.err, System.console() != null);
  }
}
