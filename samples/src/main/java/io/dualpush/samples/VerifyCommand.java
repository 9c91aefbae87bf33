package io.dualpush.samples;

import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.RepairOptions;
import io.dualpush.VerifyMode;
import io.dualpush.spi.TransactionLog;
import io.dualpush.PushReceipt;
import io.dualpush.TransactionState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * {@code verify --destination NAME=DIR ... --log DIR [--json]}: deep verification. Every copy of
 * the newest transaction of each key is re-read and hashed, and compared with the source MD5 in
 * the log; a copy that differs or is missing is recorded as failed (then {@code repair} fixes it).
 */
final class VerifyCommand {
  static final String USAGE = "verify --destination NAME=LOCATION ... [--optional NAME] --log LOG [--json]"
      + " [--parallel N] [--timeout SECONDS] [--quarantine-damaged] [--progress SECONDS]";

  private VerifyCommand() {}

  static int run(List<String> argv, Console console) throws InterruptedException {
    CliArgs args = CliArgs.parse("verify", argv,
        Set.of("--destination", "--optional", "--log", "--parallel", "--timeout", "--progress"),
        Set.of("--destination", "--optional"), Set.of("--json", "--quarantine-damaged"));
    RepairCommand.noPositionals(args, USAGE);
    int parallel = args.intValue("--parallel", 8, 1, 256);
    CommandOptions options = CommandOptions.parse(args, console);
    LogLocation logLocation = LogLocation.parse(args, console.env());
    Targets targets = RepairCommand.prepare(args, console, logLocation);
    List<PushReceipt> current = new ArrayList<>();
    long started = System.nanoTime();
    // Every transaction of the log, not only the most recent finished ones the default keeps in memory.
    try (TransactionLog log = logLocation.openWriter(Integer.MAX_VALUE, options.quarantine());
         DualPushAsyncClient client = targets.addTo(new DualPushClientBuilder().transactionLog(log)
             .repair(RepairOptions.builder().enabled(false).build()), options.timeout()).buildAsyncClient()) {
      Set<String> keys = new HashSet<>();
      for (PushReceipt r : client.recent(Integer.MAX_VALUE)) {
        if (r.state() != TransactionState.SUPERSEDED && keys.add(r.key())) {
          current.add(r);
        }
      }
      long total = current.stream().mapToLong(PushReceipt::size).sum();
      try (Progress progress = new Progress("verified", current.size(), total, console.err(), console.terminal(),
          options.progressSeconds(), List.of())) {
        Semaphore window = new Semaphore(parallel);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (PushReceipt r : current) {
          window.acquire();
          all.add(client.verify(r.transactionId(), VerifyMode.DEEP).handle((x, e) -> {
            window.release();
            progress.done(r.size());
            return null;
          }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      }
      client.close(); // drains, so the log holds every finding
      return RepairCommand.print(args, console, "verify", log, current.size(), System.nanoTime() - started);
    }
  }
}
