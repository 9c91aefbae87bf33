package io.dualpush.samples;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Alert;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.FaultInjectingDestination;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code demo [--dir DIR] [--no-edge]}: the walk-through on the embedded default. Generates a
 * small gold dataset, pushes it to two local regions and an optional edge, takes the secondary
 * region down part-way, shows the partial transactions, brings it back, repairs, catches a copy
 * damaged behind dualpush's back, and ends with a deep verification of everything.
 */
final class Demo {
  static final String USAGE = "demo [--dir DIR] [--no-edge]";
  private static final String PRIMARY = "primary";
  private static final String SECONDARY = "secondary";
  private static final String EDGE = "edge-asia";

  private final PrintStream out;
  private final List<String> ids;
  private final List<Path> regionDirs = new ArrayList<>();

  private Demo(PrintStream out, boolean edge) {
    this.out = out;
    this.ids = edge ? List.of(PRIMARY, SECONDARY, EDGE) : List.of(PRIMARY, SECONDARY);
  }

  static int run(List<String> argv, Console console) throws IOException {
    CliArgs args = CliArgs.parse("demo", argv, Set.of("--dir"), Set.of(), Set.of("--no-edge"));
    RepairCommand.noPositionals(args, USAGE);
    Path dir;
    boolean keep = args.optional("--dir") != null;
    if (keep) {
      dir = Path.of(args.optional("--dir")).toAbsolutePath().normalize();
      if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
        throw new UsageException("--dir: " + dir + " must be an empty or new directory");
      }
      Files.createDirectories(dir);
    } else {
      dir = Files.createTempDirectory("dualpush-demo-");
    }
    try {
      return new Demo(console.out(), !args.flag("--no-edge")).walkThrough(dir);
    } finally {
      if (keep) {
        console.out().println("the regions, the log and the dataset are kept in " + dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  private int walkThrough(Path dir) throws IOException {
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    out.println("dualpush demo: the embedded default (local directories and a file log, no servers)");
    Path source = dir.resolve("dataset");
    List<Path> files = GoldDataset.generate(source);
    long total = 0;
    for (Path f : files) {
      total += Files.size(f);
    }
    out.printf("gold dataset: %d files, %s, under %s%n", files.size(), Sizes.bytes(total), source);

    FileSystemDestination primary = region(dir, "eastus2");
    FaultInjectingDestination secondary = FaultInjectingDestination.wrap(region(dir, "westus2"));
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .destination(DestinationOptions.builder(PRIMARY).region("eastus2").priority(0).build(), primary)
        .destination(DestinationOptions.builder(SECONDARY).region("westus2").priority(1).build(), secondary)
        .transactionLog(Files.createDirectories(dir.resolve("log")))
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(20)).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(3).openDelay(Duration.ofMillis(400)).build())
        // The demo repairs in the foreground to show each step; a long-running client repairs on
        // its own schedule (RepairOptions).
        .repair(RepairOptions.builder().enabled(false).build())
        .alertSink(alerts::add);
    if (ids.contains(EDGE)) {
      builder.destination(DestinationOptions.builder(EDGE).region("southeastasia").required(false).build(),
          region(dir, "southeastasia"));
    }
    out.println("regions: primary=eastus2, secondary=westus2 (both required)"
        + (ids.contains(EDGE) ? ", edge-asia=southeastasia (optional)" : ""));

    int half = files.size() * 2 / 3;
    try (DualPushClient client = builder.buildClient()) {
      out.println();
      out.println("[1] push the first " + half + " files to every region, in parallel");
      header();
      for (Path f : files.subList(0, half)) {
        row(push(client, source, f));
      }

      out.println();
      out.println("[2] westus2 goes down part-way through the rest");
      header();
      List<PushReceipt> partial = new ArrayList<>();
      List<Path> rest = files.subList(half, files.size());
      for (int i = 0; i < rest.size(); i++) {
        if (i == 2) {
          secondary.partition();
          out.println("  -- westus2 unreachable from here on --");
        }
        PushReceipt r = push(client, source, rest.get(i));
        row(r);
        if (r.state() != TransactionState.VERIFIED && r.state() != TransactionState.COMPLETED) {
          partial.add(r);
        }
      }
      out.printf("  %d push(es) partial: each is in the log and verified on primary, so nothing is lost;%n",
          partial.size());
      out.println("  the failed copies wait for repair. After 3 failures westus2's circuit breaker opened:");
      out.println("  later pushes stopped waiting on it. (COMPLETED: required copies verified, the optional");
      out.println("  edge still writing; it never holds a push back.)");
      printAlerts(out, "  alerts raised:", alerts);
      summary(client);

      out.println();
      out.println("[3] westus2 is back: repair the failed copies from the source files in the log");
      secondary.heal();
      sleep(Duration.ofMillis(500)); // let the circuit breaker half-open
      header();
      for (PushReceipt r : partial) {
        row(client.retryFailed(r.transactionId()));
      }

      out.println();
      out.println("[4] a copy is damaged behind dualpush's back (a bad disk on westus2)");
      PushReceipt victim = client.recent(Integer.MAX_VALUE).stream()
          .filter(r -> r.state() == TransactionState.VERIFIED).reduce((a, b) -> b).orElseThrow();
      Path damaged = regionDirs.get(1).resolve(victim.key());
      byte[] bytes = Files.readAllBytes(damaged);
      bytes[bytes.length / 2] ^= 0x20;
      Files.write(damaged, bytes);
      out.println("  flipped one bit of " + regionDirs.get(1).getFileName() + "/" + victim.key());
      PushReceipt found = client.verify(victim.transactionId(), VerifyMode.DEEP);
      out.println("  deep verify re-reads every copy: " + found.state() + ", westus2 "
          + found.copy(SECONDARY).map(c -> shortStatus(c.status()) + (c.mismatch() ? " (MD5 differs from the log)" : ""))
              .orElse("-"));
      PushReceipt fixed = client.retryFailed(victim.transactionId());
      out.println("  repair rewrote it from a good source: " + fixed.state());

      out.println();
      out.println("[5] deep verify of every transaction against the source MD5 in the log");
      int verified = 0;
      int count = 0;
      for (PushReceipt r : client.recent(Integer.MAX_VALUE)) {
        if (r.state() == TransactionState.SUPERSEDED) {
          continue;
        }
        count++;
        PushReceipt checked = client.verify(r.transactionId(), VerifyMode.DEEP);
        if (checked.isVerified()) {
          verified++;
        }
      }
      for (Path f : files) {
        String key = key(source, f);
        String md5 = Md5.of(Files.newInputStream(f)).base64();
        for (Path region : regionDirs) {
          Path copy = region.resolve(key);
          if (!Files.exists(copy) || !Md5.of(Files.newInputStream(copy)).base64().equals(md5)) {
            out.println("  MISMATCH outside dualpush: " + region.getFileName() + "/" + key);
            verified = -1;
          }
        }
      }
      summary(client);
      if (verified == count && count == files.size()) {
        printAlerts(out, "alerts raised in all:", alerts);
        out.printf("all %d transactions VERIFIED on %s: byte-identical in %d regions%n",
            count, String.join(", ", ids), regionDirs.size());
        out.println();
        out.println("The same with real storage accounts (README, \"The pipeline CLI\"):");
        out.println("  push DIR --destination primary=azure:https://ACCOUNT.blob.core.windows.net/CONTAINER");
        out.println("           --destination dr=azure-env:ENV_VAR/CONTAINER --log DIR");
        out.println("  azure: signs in with DefaultAzureCredential (az login, managed identity, AZURE_* vars);");
        out.println("  azure-env: ENV_VAR holds a connection string (never a key on the command line);");
        out.println("  --log azure-env:ENV_VAR/CONTAINER/PREFIX keeps the log in blobs, for jobs without a disk.");
        return 0;
      }
      out.printf("not everything verified: %d of %d%n", Math.max(verified, 0), count);
      return 2;
    }
  }

  private FileSystemDestination region(Path dir, String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve("regions").resolve(name));
    regionDirs.add(d);
    return new FileSystemDestination(d);
  }

  private PushReceipt push(DualPushClient client, Path source, Path file) {
    String key = key(source, file);
    PushRequest request = PushRequest.builder(key, PushContent.ofFile(file))
        .datasetId(key.split("/")[1]).contentType(PushCommand.contentType(key)).build();
    try {
      return client.push(request);
    } catch (PushFailedException e) {
      return e.receipt();
    }
  }

  private static String key(Path source, Path file) {
    return source.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  private void header() {
    StringBuilder line = new StringBuilder(String.format("  %-30s %9s", "key", "size"));
    for (String id : ids) {
      line.append(String.format(" %-11s", id));
    }
    out.println(line.append(" transaction"));
  }

  private void row(PushReceipt r) {
    StringBuilder line = new StringBuilder(String.format("  %-30s %9s", Report.clip(r.key(), 30), Sizes.bytes(r.size())));
    for (String id : ids) {
      line.append(String.format(" %-11s", r.copy(id).map(c -> shortStatus(c.status())).orElse("-")));
    }
    out.println(line.append(" ").append(r.state()));
  }

  /** The alerts by type on one line after {@code label}, or on the next (indented) when that would pass 100 columns. */
  private static void printAlerts(PrintStream out, String label, List<Alert> alerts) {
    String list = alerts(alerts);
    if (label.length() + 1 + list.length() <= 100) {
      out.println(label + " " + list);
    } else {
      out.println(label);
      out.println(label.replaceAll("\\S.*", "") + "  " + list);
    }
  }

  private static String alerts(List<Alert> alerts) {
    Map<String, Integer> counts = new TreeMap<>();
    alerts.forEach(a -> counts.merge(a.type() + " (" + a.severity() + ")", 1, Integer::sum));
    if (counts.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((k, v) -> parts.add(v + " " + k));
    return String.join(", ", parts);
  }

  private static String shortStatus(CopyStatus status) {
    return status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private void summary(DualPushClient client) {
    List<PushReceipt> current = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (PushReceipt r : client.recent(Integer.MAX_VALUE)) {
      if (r.state() != TransactionState.SUPERSEDED && keys.add(r.key())) {
        current.add(r);
      }
    }
    List<String> parts = new ArrayList<>();
    for (String id : ids) {
      long ok = current.stream().filter(r -> r.copy(id).map(c -> c.status() == CopyStatus.VERIFIED).orElse(false)).count();
      parts.add(id + " " + ok + "/" + current.size());
    }
    out.println("  verified copies: " + String.join(", ", parts) + "; open transactions: "
        + client.stats().openTransactions());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A small, deterministic gold dataset: daily sales CSVs, customer JSON, binary event batches. */
  static final class GoldDataset {
    private GoldDataset() {}

    static List<Path> generate(Path root) throws IOException {
      Random random = new Random(20261124L);
      List<Path> files = new ArrayList<>();
      LocalDate day = LocalDate.of(2026, 11, 18);
      for (int i = 0; i < 6; i++) {
        int rows = 200 + random.nextInt(i == 3 ? 40_000 : 6_000);
        StringBuilder csv = new StringBuilder("order_id,region,sku,quantity,amount_eur\n");
        for (int r = 0; r < rows; r++) {
          csv.append(String.format(Locale.ROOT, "%d,%s,SKU-%05d,%d,%.2f%n", 1_000_000 + i * 100_000 + r,
              random.nextBoolean() ? "emea" : "amer", random.nextInt(99_999), 1 + random.nextInt(9),
              random.nextDouble() * 500));
        }
        files.add(write(root.resolve("gold/sales/" + day.plusDays(i) + ".csv"), csv.toString().getBytes(StandardCharsets.UTF_8)));
      }
      for (String segment : List.of("retail", "wholesale", "partners")) {
        StringBuilder json = new StringBuilder("[\n");
        int n = 50 + random.nextInt(2_000);
        for (int c = 0; c < n; c++) {
          json.append(String.format(Locale.ROOT, "  {\"id\": %d, \"segment\": \"%s\", \"score\": %d}%s%n",
              c, segment, random.nextInt(1000), c + 1 < n ? "," : ""));
        }
        files.add(write(root.resolve("gold/customers/" + segment + ".json"), json.append("]\n").toString()
            .getBytes(StandardCharsets.UTF_8)));
      }
      for (int b = 0; b < 6; b++) {
        byte[] batch = new byte[4_096 << random.nextInt(9)];
        random.nextBytes(batch);
        files.add(write(root.resolve(String.format(Locale.ROOT, "gold/events/batch-%03d.bin", b)), batch));
      }
      return files;
    }

    private static Path write(Path file, byte[] bytes) throws IOException {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    }
  }
}
