package io.dualpush.testkit;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Power-loss trials of a {@link TransactionLog} over a {@link SimulatedDiskSegmentStore}: what the
 * power-loss tier of {@link TransactionLogContract} runs, and what a test runs to show that a log
 * fails it. Each trial opens the log on a new disk, lets several threads append (each its own
 * transactions, in scripts that go through every entry type, supersede keys and reopen verified
 * transactions, and mix {@link TransactionLog#append} with {@link TransactionLog#appendBuffered}:
 * starts, dead letters and retries durable, most copy updates and repair rounds buffered, as the
 * engine appends them), cuts the power at a random instant (in the middle of the Nth store call,
 * or between calls once the appenders are done), sometimes again while the log recovers, reopens
 * it over what survived and checks:
 * <ul>
 *   <li>every durable append that returned is present, and so is every entry (buffered or not)
 *       its thread appended before it, and every entry of any thread whose append returned before
 *       that durable append was called (the log keeps one order); a buffered append not followed
 *       so may be missing, but only with everything its thread appended after it: each thread's
 *       transactions together read exactly as one prefix of its entries folds (the one append in
 *       flight per thread may or may not be there); a verified or superseded transaction may be
 *       missing only because the log compacted it away
 *       ({@link Violation.Kind#LOST_ACKNOWLEDGED_APPEND});</li>
 *   <li>no gaps: no thread's transactions read as entries with an earlier one missing, and no
 *       entry survives that was appended after another thread's returned entry that did not
 *       ({@link Violation.Kind#GAP}). Within one transaction a gap already reads as a state no
 *       prefix folds to, and a thread's transactions are separated by durable starts, so what this
 *       adds is mostly the order across threads, judged (conservatively) by when each append was
 *       called and returned;</li>
 *   <li>nothing is invented: no transaction that was never appended, no state no prefix of the
 *       appended entries folds to ({@link Violation.Kind#INVENTED});</li>
 *   <li>{@code open()} and {@code read()} agree ({@link Violation.Kind#OPEN_READ_DISAGREE});</li>
 *   <li>the open succeeds: a torn tail is cut with a {@code TORN_TAIL_DROPPED} warning, never
 *       reported as corruption, and no other warning appears ({@link Violation.Kind#OPEN_FAILED},
 *       {@link Violation.Kind#CORRUPTION_REPORTED}, {@link Violation.Kind#UNWARNED_TRUNCATION},
 *       {@link Violation.Kind#UNEXPECTED_WARNING});</li>
 *   <li>the reopened log accepts appends, which survive a clean reopen
 *       ({@link Violation.Kind#REFUSES_APPENDS});</li>
 *   <li>nothing hangs: the dead log's appends fail and its close returns
 *       ({@link Violation.Kind#HUNG}, with a generous bound that never decides a pass).</li>
 * </ul>
 * Trials are seeded: trial {@code i} of seed {@code s} draws the same workload, cut point and cut
 * every time, so {@link #runOne} replays it (thread interleavings aside, which the scheduler
 * decides).
 *
 * <pre>{@code
 * PowerLossTrials.Report report = PowerLossTrials.run(factory, seed, 2_000);
 * assertThat(report.violations()).as(report.summary()).isEmpty();
 * }</pre>
 *
 * <p>Not thread-safe; a run uses its own threads and stops them before returning.
 */
public final class PowerLossTrials {
  /** Threads appending concurrently in each trial. */
  public static final int APPENDERS = 4;
  /** Violations whose details a report keeps (all are counted). */
  static final int DETAILS_KEPT = 20;
  private static final long HANG_BOUND_SECONDS = 60;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.000000001Z");
  private static final List<LogEntry.Target> TARGETS =
      List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true));

  private PowerLossTrials() {}

  /**
   * One failed check.
   *
   * @param kind which check failed
   * @param trial the trial it failed in, to replay with {@link #runOne}
   * @param detail what was expected and found, with the power cut that preceded it
   */
  public record Violation(Kind kind, int trial, String detail) {
    /** Which check failed. */
    public enum Kind {
      /**
       * A durable append that returned is missing after the cut, or an entry appended before it (by
       * its thread, or returned before it was called), or its transaction reads older.
       */
      LOST_ACKNOWLEDGED_APPEND,
      /**
       * Entries that may each be missing (buffered appends no durable one followed) are missing out
       * of order: an earlier one of a thread lost while a later one survived, or one lost while an
       * entry another thread appended after it returned survived.
       */
      GAP,
      /** A transaction that was never appended, or a state no prefix of its entries folds to. */
      INVENTED,
      /** {@code open()} lists a record {@code read()} does not return, or leaves out an open one. */
      OPEN_READ_DISAGREE,
      /** The log did not open over what survived the cut. */
      OPEN_FAILED,
      /** The open reported corruption where a power cut can only have left a torn tail. */
      CORRUPTION_REPORTED,
      /** The open cut bytes off a segment without a {@code TORN_TAIL_DROPPED} warning. */
      UNWARNED_TRUNCATION,
      /** The open warned of something other than a dropped torn tail. */
      UNEXPECTED_WARNING,
      /** The reopened log refused an append, or lost it at the next clean reopen. */
      REFUSES_APPENDS,
      /** An append or close of the dead log, or an open, did not return within a minute. */
      HUNG
    }
  }

  /**
   * What a run found.
   *
   * @param seed the run's seed
   * @param trials how many trials ran
   * @param acknowledged appends that returned before their trial's cut, over all trials
   * @param bufferedAcknowledged of those, buffered appends ({@link TransactionLog#appendBuffered})
   * @param cutsInCall cuts that struck in the middle of a store call
   * @param cutsInRecovery cuts that struck while a reopened log recovered
   * @param tornWrites cuts after which the newest segment ended inside one append's bytes
   * @param tailsDropped reopens that cut off a torn tail (with a warning)
   * @param violationCount every violation found
   * @param violations the first {@value #DETAILS_KEPT} violations, in the order found
   */
  public record Report(long seed, int trials, long acknowledged, long bufferedAcknowledged, long cutsInCall,
      long cutsInRecovery,
      long tornWrites, long tailsDropped, long violationCount, List<Violation> violations) {
    /**
     * Copies the list of violations.
     *
     * @param seed the run's seed
     * @param trials how many trials ran
     * @param acknowledged appends that returned before their trial's cut
     * @param bufferedAcknowledged of those, buffered appends
     * @param cutsInCall cuts in the middle of a store call
     * @param cutsInRecovery cuts while a reopened log recovered
     * @param tornWrites cuts that left a write torn
     * @param tailsDropped reopens that cut off a torn tail
     * @param violationCount every violation found
     * @param violations the first violations found
     */
    public Report {
      violations = List.copyOf(violations);
    }

    /**
     * The kinds of violation found, for assertions.
     *
     * @return the distinct kinds among the kept violations
     */
    public Set<Violation.Kind> kinds() {
      Set<Violation.Kind> kinds = new LinkedHashSet<>();
      violations.forEach(v -> kinds.add(v.kind()));
      return kinds;
    }

    /**
     * A paragraph for a failure message: the seed and how to replay, the counts, the violations.
     *
     * @return the summary
     */
    public String summary() {
      StringBuilder b = new StringBuilder("power-loss trials, seed ").append(seed).append(" (replay with -D")
          .append(TransactionLogContract.SEED_PROPERTY).append('=').append(seed).append(", one trial with -D")
          .append(TransactionLogContract.TRIAL_PROPERTY).append("=N): ").append(trials).append(" trials, ")
          .append(acknowledged).append(" acknowledged appends (").append(bufferedAcknowledged).append(" buffered), ")
          .append(cutsInCall).append(" cuts inside a store call, ")
          .append(cutsInRecovery).append(" during recovery, ").append(tornWrites).append(" torn writes, ")
          .append(tailsDropped).append(" torn tails dropped; ").append(violationCount).append(" violation(s)");
      for (Violation v : violations) {
        b.append("\n  trial ").append(v.trial()).append(' ').append(v.kind()).append(": ").append(v.detail());
      }
      return b.toString();
    }
  }

  /**
   * Runs {@code trials} trials, 0 to {@code trials - 1}, of seed {@code seed}.
   *
   * @param factory builds the log under test over a simulated disk
   * @param seed the run's seed
   * @param trials how many trials, 1 or more
   * @return what the run found
   */
  public static Report run(PowerLossLogFactory factory, long seed, int trials) {
    return run(factory, seed, 0, trials);
  }

  /**
   * Replays trial {@code trial} of seed {@code seed} alone.
   *
   * @param factory builds the log under test over a simulated disk
   * @param seed the seed of the run that failed
   * @param trial the trial that failed
   * @return what the trial found
   */
  public static Report runOne(PowerLossLogFactory factory, long seed, int trial) {
    return run(factory, seed, trial, 1);
  }

  private static Report run(PowerLossLogFactory factory, long seed, int first, int count) {
    Objects.requireNonNull(factory, "factory");
    if (count < 1) {
      throw new IllegalArgumentException("trials must be at least 1; got " + count);
    }
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "dualpush-power-loss-" + threadNumber.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Run run = new Run(factory, seed, threads);
    try {
      for (int trial = first; trial < first + count; trial++) {
        run.trial(trial);
      }
    } finally {
      threads.shutdownNow();
    }
    return new Report(seed, count, run.acknowledged, run.bufferedAcknowledged, run.cutsInCall, run.cutsInRecovery, run.tornWrites,
        run.tailsDropped, run.violationCount, run.violations);
  }

  /** The state of one run. */
  private static final class Run {
    final PowerLossLogFactory factory;
    final long seed;
    final ExecutorService threads;
    final List<Violation> violations = new ArrayList<>();
    long violationCount;
    long acknowledged;
    long bufferedAcknowledged;
    long cutsInCall;
    long cutsInRecovery;
    long tornWrites;
    long tailsDropped;
    /** Store calls a workload makes when nothing cuts it short (a running mean); cut points are drawn below it. */
    long typicalCalls = 64;

    Run(PowerLossLogFactory factory, long seed, ExecutorService threads) {
      this.factory = factory;
      this.seed = seed;
      this.threads = threads;
    }

    void violation(Violation.Kind kind, int trial, String detail) {
      violationCount++;
      if (violations.size() < DETAILS_KEPT) {
        violations.add(new Violation(kind, trial, detail));
      }
    }

    void trial(int trial) {
      // Spread (seed, trial) first: java.util.Random's first draws of neighbouring seeds are nearly the same.
      Random random = new Random(new SplittableRandom(seed ^ (trial * 0x9E3779B97F4A7C15L)).nextLong());
      SimulatedDiskSegmentStore disk = factory.newDisk();
      TransactionLog log = factory.open(disk);
      List<Appender> appenders = new ArrayList<>();
      AtomicLong order = new AtomicLong();
      for (int a = 0; a < APPENDERS; a++) {
        appenders.add(new Appender(trial, a, new Random(random.nextLong()), order));
      }
      // One trial in five cuts between calls once every append has returned (what a log that
      // acknowledges before it syncs loses most); the others strike inside a call, drawn over the
      // calls a workload typically makes.
      boolean afterWorkload = random.nextInt(5) == 0;
      long cutAt = 1 + random.nextInt((int) Math.max(8, typicalCalls));
      Random cutRandom = new Random(random.nextLong());
      long before = disk.calls();
      if (!afterWorkload) {
        disk.cutAtCall(cutAt, cutRandom);
      }
      List<Future<?>> running = new ArrayList<>();
      for (Appender a : appenders) {
        running.add(threads.submit(() -> a.run(log)));
      }
      for (Future<?> f : running) {
        if (!await(f)) {
          violation(Violation.Kind.HUNG, trial, "an appender did not return within " + HANG_BOUND_SECONDS + " s; "
              + disk.lastCut());
          return;
        }
      }
      if (disk.isDead()) {
        cutsInCall++;
      } else {
        typicalCalls = Math.max(8, (typicalCalls * 7 + (disk.calls() - before)) / 8);
        disk.powerCut(cutRandom);
      }
      SimulatedDiskSegmentStore.PowerCut cut = disk.lastCut();
      if (cut.tornWrite()) {
        tornWrites++;
      }
      if (!await(threads.submit(() -> closeQuietly(log)))) {
        violation(Violation.Kind.HUNG, trial, "close() of the log whose process died did not return; " + cut);
        return;
      }
      for (Appender a : appenders) {
        acknowledged += a.acked;
        bufferedAcknowledged += a.bufferedAcked();
      }

      // Reopen over what survived; sometimes the power fails again while the log recovers.
      SimulatedDiskSegmentStore view = disk.restart();
      String recovery = "";
      if (random.nextInt(8) == 0) {
        view.cutAtCall(1 + random.nextInt(6), new Random(random.nextLong()));
        try {
          TransactionLog early = factory.open(view);
          closeQuietly(early); // recovery made fewer calls than the cut was armed for
          view.powerCut(new Random(random.nextLong()));
        } catch (RuntimeException e) {
          if (!view.isDead()) {
            violation(kindOf(e), trial, "the reopen failed before the second cut struck: " + e + "; " + cut);
            return;
          }
        }
        cutsInRecovery++;
        recovery = "; then, while recovering: " + view.lastCut();
        view = view.restart();
      }
      String cuts = cut + recovery;
      long dropTails = view.dropTailCount();
      TransactionLog reopened;
      try {
        reopened = factory.open(view);
      } catch (RuntimeException e) {
        violation(kindOf(e), trial, "the reopen failed: " + e + "; " + cuts);
        return;
      }
      try {
        check(trial, reopened, appenders, view.dropTailCount() > dropTails, cuts);
        appendAfterReopen(trial, reopened, view, cuts);
      } finally {
        closeQuietly(reopened);
      }
    }

    boolean await(Future<?> f) {
      try {
        f.get(HANG_BOUND_SECONDS, TimeUnit.SECONDS);
        return true;
      } catch (TimeoutException e) {
        f.cancel(true);
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a power-loss trial thread failed", e.getCause());
      }
    }

    void check(int trial, TransactionLog log, List<Appender> appenders, boolean truncated, String cuts) {
      List<LogOpenWarning> warnings = log.openWarnings();
      boolean warned = false;
      for (LogOpenWarning w : warnings) {
        if (w.kind() == LogOpenWarning.Kind.TORN_TAIL_DROPPED) {
          warned = true;
        } else {
          violation(Violation.Kind.UNEXPECTED_WARNING, trial, w + "; " + cuts);
        }
      }
      if (warned) {
        tailsDropped++;
      }
      if (truncated && !warned) {
        violation(Violation.Kind.UNWARNED_TRUNCATION, trial, "the open cut a tail off without a TORN_TAIL_DROPPED "
            + "warning (warnings: " + warnings + "); " + cuts);
      }

      Set<String> attempted = new HashSet<>();
      // Entries of any thread that returned before this instant must survive: a durable append that
      // returned was called then, and the log keeps one order.
      long durableCalled = 0;
      for (Appender a : appenders) {
        durableCalled = Math.max(durableCalled, a.lastDurableCalled());
      }
      List<int[]> survived = new ArrayList<>(); // per appender: {fewest, most} of its entries that survived
      for (Appender a : appenders) {
        attempted.addAll(a.ids);
        int required = a.required(durableCalled);
        boolean wrong = false;
        for (String id : a.ids) {
          Optional<TransactionRecord> actual = log.read(id);
          String problem = a.mismatch(id, actual, required);
          if (problem != null) {
            wrong = true;
            boolean lost = a.lostAcknowledged(id, actual, required);
            violation(lost ? Violation.Kind.LOST_ACKNOWLEDGED_APPEND : Violation.Kind.INVENTED, trial,
                problem + "; " + cuts);
          }
        }
        int[] prefixes = a.prefixes(log, required);
        if (!wrong && prefixes == null) {
          violation(Violation.Kind.GAP, trial, "the transactions of thread " + a.number + " read as no one prefix of "
              + "its " + a.attempted + " entries (" + required + " required): an earlier entry is missing while a later "
              + "one survived; " + a.readAll(log) + "; " + cuts);
        }
        survived.add(prefixes);
      }
      for (int x = 0; x < appenders.size(); x++) {
        for (int y = 0; y < appenders.size(); y++) {
          String gap = x == y || survived.get(x) == null || survived.get(y) == null ? null
              : Appender.crossGap(appenders.get(x), survived.get(x)[1], appenders.get(y), survived.get(y)[0]);
          if (gap != null) {
            violation(Violation.Kind.GAP, trial, gap + "; " + cuts);
          }
        }
      }
      List<TransactionRecord> open = log.open();
      Set<String> openIds = new HashSet<>();
      for (TransactionRecord r : open) {
        openIds.add(r.transactionId());
        if (!attempted.contains(r.transactionId())) {
          violation(Violation.Kind.INVENTED, trial, "open() lists " + r.transactionId() + ", never appended; " + cuts);
        }
        Optional<TransactionRecord> read = log.read(r.transactionId());
        if (!read.equals(Optional.of(r)) || r.state().isTerminal()) {
          violation(Violation.Kind.OPEN_READ_DISAGREE, trial, "open() lists " + describe(r) + " but read() returns "
              + read.map(PowerLossTrials::describe).orElse("nothing") + "; " + cuts);
        }
      }
      for (String id : attempted) {
        Optional<TransactionRecord> r = log.read(id);
        if (r.isPresent() && !r.get().state().isTerminal() && !openIds.contains(id)) {
          violation(Violation.Kind.OPEN_READ_DISAGREE, trial, "read() returns " + id + " " + r.get().state()
              + " but open() does not list it; " + cuts);
        }
      }
      for (TransactionRecord r : log.recent(attempted.size() + 100)) {
        if (!attempted.contains(r.transactionId())) {
          violation(Violation.Kind.INVENTED, trial, "recent() holds " + r.transactionId() + ", never appended; " + cuts);
        }
      }
    }

    void appendAfterReopen(int trial, TransactionLog log, SimulatedDiskSegmentStore view, String cuts) {
      String id = "after-" + trial;
      LogEntry.Started start = new LogEntry.Started(id, T0, "power-loss/after/" + trial, 1, "1B2M2Y8AsgTpgAmY7PhCfg==",
          "", "", "application/octet-stream", Map.of(), TARGETS, 2, "");
      LogEntry.CopyUpdated copy = new LogEntry.CopyUpdated(id, T0.plusSeconds(1), "primary", CopyStatus.VERIFIED,
          start.md5(), "", false);
      InMemoryTransactionLog oracle = new InMemoryTransactionLog();
      oracle.append(start);
      oracle.append(copy);
      TransactionRecord expected = oracle.read(id).orElseThrow();
      try {
        log.append(start);
        log.append(copy);
      } catch (RuntimeException e) {
        violation(Violation.Kind.REFUSES_APPENDS, trial, "the reopened log refused an append: " + e + "; " + cuts);
        return;
      }
      if (!log.read(id).equals(Optional.of(expected))) {
        violation(Violation.Kind.REFUSES_APPENDS, trial, "the reopened log reads "
            + log.read(id).map(PowerLossTrials::describe).orElse("nothing") + " after appending " + describe(expected)
            + "; " + cuts);
      }
      if (trial % 8 == 0) {
        closeQuietly(log);
        try (TransactionLog again = factory.open(view.restart())) {
          if (!again.read(id).equals(Optional.of(expected))) {
            violation(Violation.Kind.REFUSES_APPENDS, trial, "an append after the reopen reads "
                + again.read(id).map(PowerLossTrials::describe).orElse("nothing") + " after a clean close and open, not "
                + describe(expected) + "; " + cuts);
          }
        } catch (RuntimeException e) {
          violation(kindOf(e), trial, "a clean reopen after the recovery failed: " + e + "; " + cuts);
        }
      }
    }
  }

  /**
   * A record in a line: what can differ between what was appended and what a log replays (the
   * start is fixed by the script, so only whether it is there, and its key, are shown).
   */
  static String describe(TransactionRecord r) {
    StringBuilder b = new StringBuilder(r.state().toString()).append('{').append(r.key()).append(';');
    for (io.dualpush.spi.CopyRecord c : r.copies()) {
      b.append(' ').append(c.destinationId()).append('=').append(c.status());
      if (!c.md5().isEmpty()) {
        b.append(" md5 ").append(c.md5());
      }
      if (!c.error().isEmpty()) {
        b.append(" error '").append(c.error()).append('\'');
      }
      if (c.mismatch()) {
        b.append(" mismatch");
      }
      b.append(" at ").append(c.updatedAt()).append(';');
    }
    b.append(" rounds ").append(r.repairRounds());
    r.deadLetterReason().ifPresent(reason -> b.append("; dead-lettered '").append(reason).append('\''));
    if (r.superseded()) {
      b.append("; superseded");
    }
    return b.append("; updated ").append(r.updatedAt()).append('}').toString();
  }

  private static Violation.Kind kindOf(RuntimeException e) {
    return e instanceof TransactionLogCorruptedException ? Violation.Kind.CORRUPTION_REPORTED : Violation.Kind.OPEN_FAILED;
  }

  private static void closeQuietly(TransactionLog log) {
    try {
      log.close();
    } catch (RuntimeException e) {
      // the process that held it is dead, or it was closed already
    }
  }

  /**
   * One thread's appends in a trial: its own transactions (ids and keys no other thread uses), in
   * order, until one fails, each durable or buffered as the script drew it. Keeps every entry it
   * tried, how many returned, when each was called and returned on the trial's shared count (to
   * order entries across threads), and how each of its transactions folds after each prefix of
   * them (from an {@link InMemoryTransactionLog}), which is what the reopened log is compared with.
   */
  private static final class Appender {
    final int trial;
    final int number;
    final Random random;
    final AtomicLong order;
    final List<LogEntry> entries = new ArrayList<>();
    /** Per entry: appended with {@link TransactionLog#append} (true) or {@link TransactionLog#appendBuffered}. */
    boolean[] durable;
    /** Per entry: the trial's count just before its append was called, and just after it returned (0 if it did not). */
    long[] called;
    long[] returned;
    final Set<String> ids = new LinkedHashSet<>();
    /** After each prefix of {@link #entries}: this appender's transactions as they fold. */
    final List<Map<String, TransactionRecord>> folds = new ArrayList<>();
    volatile int acked;
    volatile int attempted;

    Appender(int trial, int number, Random random, AtomicLong order) {
      this.trial = trial;
      this.number = number;
      this.random = random;
      this.order = order;
      script();
    }

    /** Draws this appender's entries and folds every prefix of them. */
    private void script() {
      int transactions = 1 + random.nextInt(4);
      long second = 0;
      for (int k = 0; k < transactions; k++) {
        String id = "t" + trial + "-" + number + "-" + k;
        // Two keys per appender: a third transaction supersedes the first.
        String key = "power-loss/" + trial + "/" + number + "/" + (k % 2);
        String md5 = "md5-" + k + "-AAAAAAAAAAAAAAA==";
        Map<String, String> metadata = Map.of("pad", "x".repeat(random.nextInt(300)));
        entries.add(new LogEntry.Started(id, T0.plusSeconds(second++), key, k, md5, "", "", "application/octet-stream",
            metadata, TARGETS, 2, ""));
        int steps = random.nextInt(8);
        boolean deadLetter = random.nextBoolean();
        for (int step = 0; step < steps; step++) {
          Instant at = T0.plusSeconds(second++);
          entries.add(switch (step) {
            case 0 -> new LogEntry.CopyUpdated(id, at, "primary", CopyStatus.IN_PROGRESS, "", "", false);
            case 1 -> new LogEntry.CopyUpdated(id, at, "primary", CopyStatus.VERIFIED, md5, "", false);
            case 2 -> new LogEntry.CopyUpdated(id, at, "secondary", CopyStatus.FAILED, "", "boom " + step, false);
            case 3 -> new LogEntry.RepairAttempted(id, at, 1);
            case 4 -> deadLetter ? new LogEntry.DeadLettered(id, at, "gave up")
                : new LogEntry.CopyUpdated(id, at, "secondary", CopyStatus.VERIFIED, md5, "", false);
            case 5 -> deadLetter ? new LogEntry.Retried(id, at)
                : new LogEntry.CopyUpdated(id, at, "secondary", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==",
                    "digest mismatch", true); // reopens a verified transaction: a restate if it was compacted
            default -> new LogEntry.CopyUpdated(id, at, "secondary", CopyStatus.COMPLETED, md5, "", false);
          });
        }
      }
      // Drawn after the entries, so that a seed draws the same entries as before appends were mixed.
      Random kinds = new Random(random.nextLong());
      durable = new boolean[entries.size()];
      called = new long[entries.size()];
      returned = new long[entries.size()];
      for (int i = 0; i < entries.size(); i++) {
        // As the engine appends them: starts, dead letters and retries durable; progress mostly buffered.
        LogEntry e = entries.get(i);
        boolean progress = e instanceof LogEntry.CopyUpdated || e instanceof LogEntry.RepairAttempted;
        durable[i] = !progress || kinds.nextInt(4) == 0;
      }
      InMemoryTransactionLog oracle = new InMemoryTransactionLog();
      folds.add(Map.of());
      for (LogEntry e : entries) {
        oracle.append(e);
        ids.add(e.transactionId());
        Map<String, TransactionRecord> fold = new HashMap<>();
        for (String id : ids) {
          oracle.read(id).ifPresent(r -> fold.put(id, r));
        }
        folds.add(fold);
      }
      ids.clear(); // filled again as entries are attempted
    }

    void run(TransactionLog log) {
      for (int i = 0; i < entries.size(); i++) {
        LogEntry e = entries.get(i);
        ids.add(e.transactionId());
        attempted++;
        called[i] = order.incrementAndGet();
        try {
          if (durable[i]) {
            log.append(e);
          } else {
            log.appendBuffered(e);
          }
        } catch (RuntimeException failed) {
          return; // the process died (or the log refuses): nothing more is appended
        }
        returned[i] = order.incrementAndGet();
        acked++;
      }
    }

    long bufferedAcked() {
      long n = 0;
      for (int i = 0; i < acked; i++) {
        n += durable[i] ? 0 : 1;
      }
      return n;
    }

    /** When this thread's last durable append that returned was called; 0 when none returned. */
    long lastDurableCalled() {
      long last = 0;
      for (int i = 0; i < acked; i++) {
        if (durable[i]) {
          last = called[i];
        }
      }
      return last;
    }

    /**
     * How many of this thread's entries must have survived: up to its last durable append that
     * returned, and every one that returned before a durable append (of any thread) that returned
     * was called, at {@code durableCalled}.
     */
    int required(long durableCalled) {
      int required = 0;
      for (int i = 0; i < acked; i++) {
        if (durable[i] || returned[i] < durableCalled) {
          required = i + 1;
        }
      }
      return required;
    }

    /** Whether {@code actual} is what the first {@code p} entries fold {@code id} to (or, finished, compacted away). */
    private boolean explains(int p, String id, Optional<TransactionRecord> actual) {
      TransactionRecord expected = folds.get(p).get(id);
      return Objects.equals(actual.orElse(null), expected)
          || actual.isEmpty() && expected != null && compactable(expected); // the log may have compacted it away
    }

    /** Null when {@code actual} is what some allowed prefix (from {@code required} to what was attempted) folds {@code id} to. */
    String mismatch(String id, Optional<TransactionRecord> actual, int required) {
      for (int p = required; p <= attempted; p++) {
        if (explains(p, id, actual)) {
          return null;
        }
      }
      return "transaction " + id + " reads " + actual.map(PowerLossTrials::describe).orElse("as absent")
          + " after " + acked + " acknowledged append(s) of thread " + number + ", " + required + " required ("
          + bufferedAcked() + " buffered)" + (attempted > acked ? " and one in flight" : "")
          + "; expected " + (folds.get(required).get(id) == null ? "absent" : describe(folds.get(required).get(id)))
          + (attempted > required ? " or a later state" : "");
    }

    /** Whether {@code actual} is what an earlier prefix than the required one folds to: a lost append. */
    boolean lostAcknowledged(String id, Optional<TransactionRecord> actual, int required) {
      for (int p = 0; p < required; p++) {
        if (explains(p, id, actual)) {
          return true;
        }
      }
      return false;
    }

    /**
     * The fewest and the most of this thread's entries that can have survived, over the allowed
     * prefixes that explain all of its transactions at once; null when none does (a gap).
     */
    int @Nullable [] prefixes(TransactionLog log, int required) {
      Map<String, Optional<TransactionRecord>> actual = new HashMap<>();
      for (String id : ids) {
        actual.put(id, log.read(id));
      }
      int fewest = -1;
      int most = -1;
      for (int p = required; p <= attempted; p++) {
        boolean all = true;
        for (String id : ids) {
          all &= explains(p, id, actual.get(id));
        }
        if (all) {
          fewest = fewest < 0 ? p : fewest;
          most = p;
        }
      }
      return fewest < 0 ? null : new int[] {fewest, most};
    }

    /** Every transaction of this thread as the log reads it, for a violation's detail. */
    String readAll(TransactionLog log) {
      StringBuilder b = new StringBuilder("read:");
      for (String id : ids) {
        b.append(' ').append(id).append(' ').append(log.read(id).map(r -> r.state().toString()).orElse("absent"));
      }
      return b.toString();
    }

    /**
     * A gap across two threads, or null: {@code x}'s entries from {@code xMost} on are missing
     * however its transactions are read, {@code y}'s below {@code yFewest} survived, and one of
     * those was called after the first missing one of {@code x} returned, so it is later in the log.
     */
    static @Nullable String crossGap(Appender x, int xMost, Appender y, int yFewest) {
      if (xMost >= x.acked || yFewest == 0) {
        return null; // x's first missing entry never returned, or y kept nothing
      }
      long lostReturned = x.returned[xMost];
      long keptCalled = y.called[yFewest - 1];
      if (keptCalled < lostReturned) {
        return null;
      }
      return "entry " + xMost + " of thread " + x.number + " (" + x.entries.get(xMost).getClass().getSimpleName()
          + ", returned at " + lostReturned + ") is missing, yet entry " + (yFewest - 1) + " of thread " + y.number
          + ", appended after it (called at " + keptCalled + "), survived";
    }

    private static boolean compactable(TransactionRecord r) {
      TransactionState s = r.state();
      return s == TransactionState.VERIFIED || s == TransactionState.SUPERSEDED;
    }
  }
}
