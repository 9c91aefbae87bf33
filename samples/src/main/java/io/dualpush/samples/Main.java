package io.dualpush.samples;

import io.dualpush.DualPushException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The samples jar: {@code demo} on the embedded default and the pipeline CLI ({@code push},
 * {@code status}, {@code repair}, {@code verify}). Exit codes: 0 everything verified on every
 * required destination, 2 some copies not (yet) verified, 1 bad usage or input (one line on stderr).
 */
public final class Main {
  static final String USAGE = String.join("\n",
      "usage: java -jar dualpush-samples.jar COMMAND ...",
      "  " + Demo.USAGE,
      "  " + PushCommand.USAGE,
      "  " + StatusCommand.USAGE,
      "  " + RepairCommand.USAGE,
      "  " + VerifyCommand.USAGE,
      "LOCATION: a directory (must exist), azure:https://ACCOUNT.blob.core.windows.net/CONTAINER",
      "          (signs in with DefaultAzureCredential) or azure-env:ENV_VAR/CONTAINER (ENV_VAR holds a",
      "          connection string; never put a key or SAS on the command line)",
      "LOG:      a directory (created by push), or azure:https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX",
      "          or azure-env:ENV_VAR/CONTAINER/PREFIX (an append-blob log, for jobs without a durable disk)",
      "exit codes: 0 all verified on every required destination, 2 some copies not (yet) verified,",
      "            1 bad usage or input");

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo") && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // The demo explains its own failures; engine warnings would only repeat them.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    int code = run(args, Console.system());
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command; returns the exit code. Never calls {@code System.exit}. */
  static int run(String[] args, Console console) {
    if (args.length == 0) {
      console.err().println("dualpush: no command given");
      console.err().println(USAGE);
      return 1;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    try {
      return switch (args[0]) {
        case "demo" -> Demo.run(rest, console);
        case "push" -> PushCommand.run(rest, console);
        case "status" -> StatusCommand.run(rest, console);
        case "repair" -> RepairCommand.run(rest, console);
        case "verify" -> VerifyCommand.run(rest, console);
        case "help", "--help", "-h" -> {
          console.out().println(USAGE);
          yield 0;
        }
        default -> throw new UsageException("unknown command '" + args[0] + "' (commands: demo, push, status, repair, verify)");
      };
    } catch (UsageException | DualPushException e) {
      console.err().println("dualpush: " + oneLine(e.getMessage()));
      return 1;
    } catch (IOException | UncheckedIOException e) {
      console.err().println("dualpush: " + oneLine(e.toString()));
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      console.err().println("dualpush: interrupted");
      return 1;
    }
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ");
  }
}
