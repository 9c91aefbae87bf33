package io.dualpush.samples;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.samples.dashboard.DashboardCommand;
import io.dualpush.samples.drill.DrillCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The samples jar: {@code demo} on the embedded default and the pipeline CLI ({@code push},
 * {@code status}, {@code repair}, {@code verify}, {@code replay}). Exit codes: {@value #EXIT_OK} everything verified
 * on every required destination and nothing skipped; {@value #EXIT_NOT_VERIFIED} some copies not (yet)
 * verified, or entries of the source skipped or not pushed; {@value #EXIT_USAGE} bad usage or input,
 * refused before anything is written (one line on stderr); {@value #EXIT_ENVIRONMENT} the environment
 * failed the run (the transaction log cannot be written or read, out of memory, an I/O error outside
 * any one destination copy).
 */
public final class Main {
  /** Everything verified on every required destination; nothing skipped. */
  static final int EXIT_OK = 0;
  /** Bad usage or input; nothing was written. */
  static final int EXIT_USAGE = 1;
  /** Some copies not (yet) verified, or entries of the source skipped or not pushed. */
  static final int EXIT_NOT_VERIFIED = 2;
  /** The environment failed the run: the log unwritable or damaged, out of memory, an I/O failure. */
  static final int EXIT_ENVIRONMENT = 3;

  static final String USAGE = String.join("\n",
      "usage: java -jar dualpush-samples.jar COMMAND ...",
      "  " + Demo.USAGE,
      "  " + PushCommand.USAGE,
      "  " + StatusCommand.USAGE,
      "  " + RepairCommand.USAGE,
      "  " + VerifyCommand.USAGE,
      "  " + ReplayCommand.USAGE,
      "  " + ConfiguredCommands.RUN_USAGE,
      "  " + ConfiguredCommands.CONFIG_USAGE,
      "  " + DrillCommand.USAGE,
      "  " + DashboardCommand.USAGE,
      "LOCATION: a directory (must exist), azure:https://ACCOUNT.blob.core.windows.net/CONTAINER",
      "          (signs in with DefaultAzureCredential) or azure-env:ENV_VAR/CONTAINER (ENV_VAR holds a",
      "          connection string; never put a key or SAS on the command line)",
      "LOG:      a directory (created by push), or azure:https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX",
      "          or azure-env:ENV_VAR/CONTAINER/PREFIX (an append-blob log, for jobs without a durable disk)",
      "exit codes: 0 all verified on every required destination and nothing skipped,",
      "            2 some copies not (yet) verified or some entries skipped or not pushed,",
      "            1 bad usage or input (nothing written), 3 environment failure (log, memory, I/O)");

  private Main() {}

  public static void main(String[] args) {
    commonPoolOfAtLeastTwo();
    if (args.length > 0 && args[0].equals("demo") && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // The demo explains its own failures; engine warnings would only repeat them.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    // An OutOfMemoryError on a pool thread must not leave a half-finished run looking like a success.
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof OutOfMemoryError) {
        System.err.println(OUT_OF_MEMORY);
        Runtime.getRuntime().halt(EXIT_ENVIRONMENT);
      }
      System.err.println("dualpush: unexpected failure in thread " + thread.getName() + ": " + e);
    });
    int code = run(args, Console.system());
    System.out.flush();
    System.exit(code);
  }

  /** The system property that sizes the JDK's common fork-join pool. */
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * The JDK's HTTP client (under the Azure SDK) completes every response on CompletableFuture's
   * default executor: the common fork-join pool, or, when that pool has fewer than two threads (a
   * machine of one or two CPUs), a new thread per response: 6,000 thread starts for 3,000 objects
   * pushed to two containers, a quarter of the job's CPU and more (docs/benchmarks.md). Asks for two
   * threads before anything creates the pool; a value the user gives ({@code -D}) is kept.
   */
  static void commonPoolOfAtLeastTwo() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
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
        case "push" -> ConfiguredCommands.push(rest, console);
        case "status", "repair", "verify", "replay" -> ConfiguredCommands.simple(args[0], rest, console);
        case "run" -> ConfiguredCommands.run(rest, console);
        case "drill" -> DrillCommand.run(rest, console.out(), console.err());
        case "dashboard" -> DashboardCommand.run(rest, console.out(), console.err());
        case "help", "--help", "-h" -> {
          console.out().println(USAGE);
          yield 0;
        }
        default -> throw new UsageException("unknown command '" + args[0] + "' (commands: demo, push, status, repair, verify, replay, run, drill, dashboard)");
      };
    } catch (UsageException | InvalidInputException e) {
      console.err().println("dualpush: " + oneLine(e.getMessage()));
      return EXIT_USAGE;
    } catch (TransactionLogGapException e) {
      console.err().println("dualpush: the transaction log " + e.log() + " is missing segments: " + e.reason()
          + " (before " + e.segment() + "). Restore them; or, to accept that the transactions they held are lost"
          + " to the log (a re-push restores them), run push, repair or verify with --quarantine-damaged.");
      return EXIT_ENVIRONMENT;
    } catch (TransactionLogCorruptedException e) {
      console.err().println("dualpush: the transaction log " + e.log() + " is damaged: " + e.segment() + " at offset "
          + e.offset() + ": " + e.reason() + ". Restore the segment; or run push, repair or verify with"
          + " --quarantine-damaged to move it aside (its transactions are lost to the log; a re-push restores them).");
      return EXIT_ENVIRONMENT;
    } catch (EnvironmentFailure e) {
      console.err().println("dualpush: " + oneLine(e.getMessage()));
      return EXIT_ENVIRONMENT;
    } catch (DualPushException | IOException | UncheckedIOException e) {
      console.err().println("dualpush: " + oneLine(EnvironmentFailure.describe(e)));
      return EXIT_ENVIRONMENT;
    } catch (OutOfMemoryError e) {
      outOfMemory(console);
      return EXIT_ENVIRONMENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      console.err().println("dualpush: interrupted");
      return EXIT_ENVIRONMENT;
    }
  }

  /** Built before it is needed: out of memory, building it could fail too. */
  private static final String OUT_OF_MEMORY = "dualpush: out of memory (maximum heap "
      + (Runtime.getRuntime().maxMemory() >> 20) + " MiB); the run stopped. Give the JVM more heap (java -Xmx...)"
      + " or push fewer files at once (--parallel). Pushes already acknowledged are in the log; run the command"
      + " again, or 'repair', to finish the rest.";

  private static void outOfMemory(Console console) {
    console.err().println(OUT_OF_MEMORY);
    console.err().flush();
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ");
  }
}
