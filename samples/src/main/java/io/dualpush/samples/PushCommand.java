package io.dualpush.samples;

import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.InvalidInputException;
import io.dualpush.ObjectKeys;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code push SOURCE_DIR --destination NAME=DIR ... [--optional NAME] --log DIR [--json]
 * [--parallel N]}: pushes every file under SOURCE_DIR, its key the relative path. Files are
 * streamed from disk (memory stays bounded whatever their size) and several go out at once.
 */
final class PushCommand {
  static final String USAGE = "push SOURCE_DIR --destination NAME=LOCATION ... [--optional NAME] --log LOG"
      + " [--json] [--parallel N]";

  /** A file to push. */
  record Item(Path file, String key, long size) {}

  private PushCommand() {}

  static int run(List<String> argv, Console console) throws InterruptedException {
    CliArgs args = CliArgs.parse("push", argv, Set.of("--destination", "--optional", "--log", "--parallel"),
        Set.of("--destination", "--optional"), Set.of("--json"));
    if (args.positionals().size() != 1) {
      throw new UsageException("push takes one SOURCE_DIR, got " + args.positionals().size() + "; usage: " + USAGE);
    }
    Path source = Path.of(args.positionals().get(0));
    if (!Files.isDirectory(source)) {
      throw new UsageException("SOURCE_DIR does not exist or is not a directory: " + source.toAbsolutePath().normalize());
    }
    LogLocation logLocation = LogLocation.parse(args, console.env());
    int parallel = args.intValue("--parallel", 8, 1, 256);
    Targets targets = Targets.parse(args, Set.of(), console.env());
    List<Item> items = scan(source);
    // Everything is checked: only now is anything created.
    logLocation.prepareForWriting();

    List<TransactionRecord> records = new ArrayList<>();
    AtomicLong written = new AtomicLong();
    AtomicLong unchanged = new AtomicLong();
    long totalBytes = items.stream().mapToLong(Item::size).sum();
    List<String> txnIds = Collections.synchronizedList(new ArrayList<>());
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    Progress progress = new Progress("pushed", items.size(), totalBytes, console.err(), console.terminal());
    // The command reads its own transactions back after the client drained: from memory, so that
    // what compaction already dropped from storage (finished transactions only) is still reported.
    TransactionLog log = logLocation.openWriter(Integer.MAX_VALUE);
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .transactionLog(log)
        .listener(event -> {
          if (event.type() == DualPushEvent.Type.COPY_WRITTEN) {
            written.incrementAndGet();
          } else if (event.type() == DualPushEvent.Type.COPY_UNCHANGED) {
            unchanged.incrementAndGet();
          }
        });
    try (log; progress; DualPushAsyncClient client = targets.addTo(builder).buildAsyncClient()) {
      Semaphore window = new Semaphore(parallel);
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (Item item : items) {
        window.acquire();
        PushRequest request = PushRequest.builder(item.key(), PushContent.ofFile(item.file()))
            .contentType(contentType(item.key())).build();
        CompletableFuture<PushReceipt> push;
        try {
          push = client.push(request);
        } catch (RuntimeException e) {
          push = CompletableFuture.failedFuture(e);
        }
        all.add(push.handle((receipt, failure) -> {
          window.release();
          progress.done(item.size());
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (cause == null) {
            txnIds.add(receipt.transactionId());
          } else if (cause instanceof PushFailedException failed) {
            txnIds.add(failed.receipt().transactionId());
          } else {
            errors.add(item.key() + ": " + cause.getMessage());
          }
          return null;
        }));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      client.close(); // drains: every copy, optional ones included, is settled and logged
      for (String id : txnIds) {
        log.read(id).ifPresent(records::add);
      }
    }
    long elapsed = progress.elapsedNanos();
    records.sort((a, b) -> a.key().compareTo(b.key()));
    Report report = new Report("push", records);
    if (args.flag("--json")) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("written", written.get());
      extra.put("unchanged", unchanged.get());
      extra.put("seconds", elapsed / 1e9);
      extra.put("errors", List.copyOf(errors));
      console.out().println(Json.write(report.toJson(extra)));
    } else {
      console.out().printf("pushed %d file(s), %s in %s (%s); copies written %d, unchanged %d%n", items.size(),
          Sizes.bytes(totalBytes), Sizes.seconds(elapsed), Sizes.rate(totalBytes, elapsed), written.get(), unchanged.get());
      report.printText(console.out());
    }
    for (String error : errors) {
      console.err().println("dualpush: cannot push " + error);
    }
    return errors.isEmpty() ? report.exitCode() : 1;
  }

  /** Every file under {@code source}, keyed by its relative path; dualpush's own {@code .dualpush/} is skipped. */
  static List<Item> scan(Path source) {
    List<Item> items = new ArrayList<>();
    try (Stream<Path> files = Files.walk(source)) {
      files.filter(Files::isRegularFile).forEach(file -> {
        Path rel = source.relativize(file);
        if (rel.getNameCount() > 1 && rel.getName(0).toString().equals(".dualpush")) {
          return;
        }
        StringBuilder key = new StringBuilder();
        for (Path part : rel) {
          if (key.length() > 0) {
            key.append('/');
          }
          key.append(part);
        }
        try {
          ObjectKeys.validate(key.toString());
        } catch (InvalidInputException e) {
          throw new UsageException("SOURCE_DIR: " + file + " cannot be pushed: " + e.getMessage());
        }
        try {
          items.add(new Item(file, key.toString(), Files.size(file)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      throw new UsageException("SOURCE_DIR: cannot list " + source + ": " + e.getMessage());
    }
    items.sort((a, b) -> a.key().compareTo(b.key()));
    return items;
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
