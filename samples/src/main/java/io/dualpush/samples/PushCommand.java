package io.dualpush.samples;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushRequest;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code push SOURCE_DIR --destination NAME=LOCATION ... --log LOG}: pushes every file under
 * SOURCE_DIR, its key the relative path. The tree is walked and pushed as it goes, several files at
 * once, each streamed from disk: memory stays bounded whatever the tree's size or the files' sizes.
 *
 * <p>Nothing is passed over silently: entries that cannot be pushed are skipped by name with the
 * reason ({@link SourceTree}), files that vanish or cannot be read are reported by name and the run
 * goes on with the rest, and either keeps the exit code from being 0 (skips only unless
 * {@code --allow-skipped}). A failure of the environment (the log cannot be written, out of memory)
 * stops the run, says so, and exits {@value Main#EXIT_ENVIRONMENT}.
 */
final class PushCommand {
  static final String USAGE = "push SOURCE_DIR --destination NAME=LOCATION ... [--optional NAME] --log LOG"
      + " [--json] [--parallel N] [--timeout SECONDS] [--allow-skipped] [--quarantine-damaged]"
      + " [--progress SECONDS] [--breaker-open-delay SECONDS]";

  private PushCommand() {}

  /** What the events said of one transaction: its size and each destination's latest copy status. */
  private static final class Tracked {
    final long size;
    final CopyStatus[] copies;

    Tracked(long size, int destinations) {
      this.size = size;
      this.copies = new CopyStatus[destinations];
    }

    synchronized void set(int destination, CopyStatus status) {
      copies[destination] = status;
    }

    synchronized boolean allVerified() {
      for (CopyStatus s : copies) {
        if (s != CopyStatus.VERIFIED) {
          return false;
        }
      }
      return true;
    }
  }

  static int run(List<String> argv, Console console) throws InterruptedException {
    return run(argv, console, Map.of(), builder -> builder);
  }

  /**
   * A push whose client a configured job adds to (a coordinator, a dedupe store, an alert sink; see
   * {@code io.dualpush.samples.config}).
   *
   * @param regions the region of each destination that has one
   * @param configure applied to the builder last, before the client is built
   */
  static int run(List<String> argv, Console console, Map<String, String> regions,
      java.util.function.UnaryOperator<DualPushClientBuilder> configure) throws InterruptedException {
    CliArgs args = CliArgs.parse("push", argv,
        Set.of("--destination", "--optional", "--log", "--parallel", "--timeout", "--progress", "--breaker-open-delay"),
        Set.of("--destination", "--optional"), Set.of("--json", "--allow-skipped", "--quarantine-damaged"));
    if (args.positionals().size() != 1) {
      throw new UsageException("push takes one SOURCE_DIR, got " + args.positionals().size() + "; usage: " + USAGE);
    }
    Path source = sourceDirectory(args.positionals().get(0));
    LogLocation logLocation = LogLocation.parse(args, console.env());
    int parallel = args.intValue("--parallel", 8, 1, 256);
    // How long a destination found down (its circuit breaker open) is left alone before one write tries it again.
    Duration openDelay = Duration.ofSeconds(args.intValue("--breaker-open-delay",
        (int) CircuitBreakerOptions.ofDefaults().openDelay().toSeconds(), 1, 3_600));
    CommandOptions options = CommandOptions.parse(args, console);
    Targets targets = Targets.parse(args, Set.of(), console.env());
    targets.requireApart(source, logLocation);
    // Everything is checked: only now is anything created.
    logLocation.prepareForWriting();

    Report report = new Report("push");
    report.allowSkipped(args.flag("--allow-skipped"));
    Map<String, Integer> index = new LinkedHashMap<>();
    Map<String, Boolean> required = new LinkedHashMap<>();
    for (Targets.Target t : targets.all()) {
      index.put(t.name(), index.size());
      required.put(t.name(), t.required());
    }
    Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    AtomicLong written = new AtomicLong();
    AtomicLong unchanged = new AtomicLong();
    AtomicLong files = new AtomicLong();
    AtomicLong totalBytes = new AtomicLong();
    AtomicReference<Throwable> abort = new AtomicReference<>();
    Progress progress = new Progress("pushed", -1, -1, console.err(), console.terminal(), options.progressSeconds(),
        targets.names());
    TransactionLog log = logLocation.openWriter(options.quarantine());
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .transactionLog(log)
        .circuitBreaker(CircuitBreakerOptions.builder().openDelay(openDelay).build())
        .listener(event -> {
          switch (event.type()) {
            case PUSH_STARTED -> tracked.put(event.transactionId(), new Tracked(event.bytes(), index.size()));
            case COPY_WRITTEN -> written.incrementAndGet();
            case COPY_UNCHANGED -> unchanged.incrementAndGet();
            case COPY_VERIFIED, COPY_FAILED, COPY_INCONSISTENT -> {
              CopyStatus status = event.type() == DualPushEvent.Type.COPY_VERIFIED ? CopyStatus.VERIFIED : CopyStatus.FAILED;
              Tracked t = tracked.get(event.transactionId());
              Integer i = index.get(event.destinationId());
              if (t != null && i != null) {
                t.set(i, status);
              }
              progress.copy(event.destinationId(), status == CopyStatus.VERIFIED);
            }
            default -> { }
          }
        });
    try (log; progress; DualPushAsyncClient client = configure.apply(targets.addTo(builder, options.timeout(), regions)).buildAsyncClient()) {
      Semaphore window = new Semaphore(parallel);
      try {
        SourceTree.walk(source, new SourceTree.Sink() {
          @Override
          public void file(SourceTree.Item item) throws InterruptedException {
            window.acquire();
            Throwable stop = abort.get();
            if (stop != null) {
              window.release();
              throw new EnvironmentFailure("the run stopped: " + EnvironmentFailure.describe(stop), stop);
            }
            files.incrementAndGet();
            totalBytes.addAndGet(item.size());
            progress.expect(item.size());
            push(client, item).whenComplete((receipt, failure) -> {
              Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
              if (cause != null && !(cause instanceof PushFailedException)) {
                if (isEnvironmental(cause)) {
                  abort.compareAndSet(null, cause);
                } else {
                  report.error(item.key(), notPushed(item, cause));
                }
              }
              progress.done(item.size());
              window.release();
            });
          }

          @Override
          public void skipped(String path, String reason) {
            report.skipped(path, reason);
          }
        });
      } catch (EnvironmentFailure e) {
        // Reported below, after every push already started has settled.
      } catch (UncheckedIOException e) {
        abort.compareAndSet(null, new EnvironmentFailure("cannot walk SOURCE_DIR " + source + ": "
            + EnvironmentFailure.describe(e.getCause()), e.getCause()));
      }
      window.acquire(parallel); // every push started has completed
      client.close(); // drains: every copy, optional ones included, is settled and logged
      for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
        if (e.getValue().allVerified()) {
          report.addAllVerified(e.getValue().size, required);
          continue;
        }
        // Not every copy verified: such a transaction is open or dead-lettered, which the log keeps.
        Optional<TransactionRecord> record = log.read(e.getKey());
        if (record.isPresent()) {
          report.add(record.get());
        } else {
          report.error(e.getKey(), "its record is no longer in the transaction log (superseded by another push?)");
        }
      }
    }
    Report.warnings(log, report);
    Throwable stopped = abort.get();
    if (stopped != null) {
      report.warn("the run stopped before the whole tree was pushed: " + EnvironmentFailure.describe(stopped), true);
    }
    long elapsed = progress.elapsedNanos();
    if (args.flag("--json")) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("files", files.get());
      extra.put("written", written.get());
      extra.put("unchanged", unchanged.get());
      extra.put("seconds", elapsed / 1e9);
      extra.put("stopped", stopped == null ? null : EnvironmentFailure.describe(stopped));
      console.out().println(Json.write(report.toJson(extra)));
    } else {
      console.out().printf("pushed %d file(s), %s in %s (%s); copies written %d, unchanged %d%n", files.get(),
          Sizes.bytes(totalBytes.get()), Sizes.seconds(elapsed), Sizes.rate(totalBytes.get(), elapsed), written.get(),
          unchanged.get());
      report.printText(console.out());
    }
    if (stopped != null) {
      console.err().println("dualpush: the run stopped: " + EnvironmentFailure.describe(stopped));
      return Main.EXIT_ENVIRONMENT;
    }
    return report.exitCode();
  }

  /**
   * Checks a push's arguments the way {@link #run} does before it writes anything, without writing
   * anything: for a configured job that may wait a long time for its lease before it pushes.
   */
  static void check(List<String> argv, Console console) {
    CliArgs args = CliArgs.parse("push", argv,
        Set.of("--destination", "--optional", "--log", "--parallel", "--timeout", "--progress", "--breaker-open-delay"),
        Set.of("--destination", "--optional"), Set.of("--json", "--allow-skipped", "--quarantine-damaged"));
    if (args.positionals().size() != 1) {
      throw new UsageException("push takes one SOURCE_DIR, got " + args.positionals().size() + "; usage: " + USAGE);
    }
    Path source = sourceDirectory(args.positionals().get(0));
    LogLocation logLocation = LogLocation.parse(args, console.env());
    args.intValue("--parallel", 8, 1, 256);
    args.intValue("--breaker-open-delay", 1, 1, 3_600);
    CommandOptions.parse(args, console);
    Targets.parse(args, Set.of(), console.env()).requireApart(source, logLocation);
  }

  /** SOURCE_DIR, followed when it is a symbolic link: its real path. */
  private static Path sourceDirectory(String arg) {
    Path given = Path.of(arg);
    if (!Files.isDirectory(given)) {
      throw new UsageException("SOURCE_DIR does not exist or is not a directory: " + given.toAbsolutePath().normalize());
    }
    try {
      return given.toRealPath();
    } catch (IOException e) {
      throw new UsageException("SOURCE_DIR cannot be resolved: " + given.toAbsolutePath().normalize() + ": " + e.getMessage());
    }
  }

  private static CompletableFuture<?> push(DualPushAsyncClient client, SourceTree.Item item) {
    try {
      PushRequest request = PushRequest.builder(item.key(), PushContent.ofFile(item.file()))
          .contentType(contentType(item.key())).build();
      return client.push(request);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Why a file was not pushed, saying so plainly when it vanished after it was listed. */
  private static String notPushed(SourceTree.Item item, Throwable cause) {
    if (!Files.exists(item.file())) {
      return "vanished after it was listed (" + EnvironmentFailure.describe(cause) + ")";
    }
    return EnvironmentFailure.describe(cause);
  }

  /** Failures that are not about one file (the log cannot be written, the JVM is out of memory): the run cannot go on. */
  static boolean isEnvironmental(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof VirtualMachineError || c instanceof TransactionLogUnavailableException
          || c instanceof io.dualpush.LeaseLostException || c instanceof io.dualpush.NotActiveException) {
        return true;
      }
    }
    return false;
  }

  static String contentType(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    int dot = lower.lastIndexOf('.');
    String ext = dot < 0 ? "" : lower.substring(dot + 1);
    return switch (ext) {
      case "csv" -> "text/csv";
      case "json" -> "application/json";
      case "txt", "log" -> "text/plain";
      case "parquet" -> "application/vnd.apache.parquet";
      case "gz" -> "application/gzip";
      default -> "application/octet-stream";
    };
  }
}
