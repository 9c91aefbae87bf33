package io.dualpush;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-drives work that did not finish: the write-ahead copies of messages a {@link MessageProcessor} stored but did not
 * mark done (a handler failed, a worker died, a downstream was down), or the open and dead-lettered transactions of a
 * transaction log. A filter narrows it to a time range, a dataset or a key prefix; a rate limit keeps it from
 * swamping what it feeds; {@link #dryRun()} reports the backlog (count, bytes, oldest) without acting.
 *
 * <p><b>Messages</b> ({@link #messages}) are replayed through the same processor, so each is handled at most once
 * whatever else runs at the same time: a message marked done is passed over, one claimed by a live worker is left to
 * it. A replay walks the copies in key order (a <i>pass</i>) and persists a checkpoint, the key up to which every copy
 * is acknowledged (processed, found done, or not taken by the filter), every {@code checkpointEvery} copies and at
 * the end. A replayer that restarts continues after its checkpoint, never before it; work done after the checkpoint
 * was saved is found done and not repeated. The checkpoint never passes a copy that failed or that another worker
 * held, so the next run retries it. Copies stored before the processor's replay horizon (its dedupe TTL when it has
 * none) are never replayed: their ids may be forgotten, and their side effects would run twice. A pass that reached the end with everything acknowledged is complete, and the
 * next run starts a new pass at the beginning (copies stored since can sit anywhere in key order).
 *
 * <p><b>Transactions</b> ({@link #transactions}) are re-pushed through the client, each open or dead-lettered one
 * the filter takes, as {@link DualPushClient#retryFailed} does. Their log is their checkpoint: a transaction that
 * settles leaves the open set, so a restarted replay continues with what is still open.
 *
 * <pre>{@code
 * Replayer replayer = Replayer.messages(processor, handler).name("orders")
 *     .filter(ReplayFilter.builder().since(outageStart).build()).rateLimit(500).build();
 * ReplayBacklog backlog = replayer.dryRun();   // count, bytes, oldest
 * ReplayReport report = replayer.run();
 * }</pre>
 *
 * <p>Thread-safe, but one replayer (one {@code name}) should run at a time: two runs of the same name would each
 * save their own checkpoint. Runs of different names, and live processing, may overlap freely.
 */
public final class Replayer {
  private static final Logger LOG = LoggerFactory.getLogger(Replayer.class);
  /** Prefix of the checkpoints' keys in the checkpoint store. */
  public static final String CHECKPOINT_PREFIX = "replay-checkpoints/";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int FAILURES_KEPT = 10;

  private final @Nullable MessageProcessor processor;
  private final @Nullable MessageHandler handler;
  private final @Nullable DualPushClient client;
  private final @Nullable TransactionLog log;
  private final @Nullable Destination checkpointStore;
  private final String name;
  private final ReplayFilter filter;
  private final double rate;
  private final int pageSize;
  private final int checkpointEvery;
  private final boolean deadLettered;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;

  private Replayer(Builder b) {
    this.processor = b.processor;
    this.handler = b.handler;
    this.client = b.client;
    this.log = b.log;
    this.checkpointStore = b.checkpointStore != null ? b.checkpointStore
        : b.processor != null ? b.processor.messageStore() : null;
    this.name = b.name;
    this.filter = b.filter;
    this.rate = b.rate;
    this.pageSize = b.pageSize;
    this.checkpointEvery = b.checkpointEvery;
    this.deadLettered = b.deadLettered;
    this.clock = b.clock;
    this.nanoTime = b.nanoTime;
    this.sleeper = b.sleeper;
  }

  /**
   * A builder of a replayer of the write-ahead copies {@code processor} stored, handled by {@code handler} (the same
   * work live processing does).
   *
   * @param processor the processor whose message store, dedupe store and settings the replay uses; its message
   *     store must {@linkplain Destination#supportsListing() list}
   * @param handler the work to do once per message
   * @return a new builder
   */
  public static Builder messages(MessageProcessor processor, MessageHandler handler) {
    Builder b = new Builder();
    b.processor = InvalidInputException.requireNonNull(processor, "processor");
    b.handler = InvalidInputException.requireNonNull(handler, "handler");
    if (!processor.messageStore().supportsListing()) {
      throw new InvalidInputException("processor", "The processor's message store " + processor.messageStore()
          .describe() + " cannot list its objects, so a replay cannot find the stored messages");
    }
    return b;
  }

  /**
   * A builder of a replayer of the open and dead-lettered transactions of {@code log}, re-pushed through
   * {@code client} (which must have been built on that log).
   *
   * @param client the client that re-pushes
   * @param log the client's transaction log
   * @return a new builder
   */
  public static Builder transactions(DualPushClient client, TransactionLog log) {
    Builder b = new Builder();
    b.client = InvalidInputException.requireNonNull(client, "client");
    b.log = InvalidInputException.requireNonNull(log, "log");
    return b;
  }

  /**
   * The backlog a {@link #run()} would work through now, without acting. For messages it asks the dedupe store
   * which ids are done, so the store must {@linkplain DedupeStore#supportsPeek() answer without claiming}.
   *
   * @return count, bytes and oldest of what a run would process, and what it would pass over
   * @throws UnsupportedOperationException when the dedupe store cannot be asked without claiming
   */
  public ReplayBacklog dryRun() {
    return processor != null ? dryRunMessages() : dryRunTransactions();
  }

  /**
   * Replays the backlog once, to its end, as the class comment describes, and saves the checkpoint. Failures of
   * single items are counted and kept in the report (the first one first), and the replay goes on.
   *
   * @return what was done
   * @throws NotActiveException when a coordinator is configured and this region is not active (the checkpoint of what
   *     was done before is saved)
   */
  public ReplayReport run() {
    return processor != null ? runMessages() : runTransactions();
  }

  /**
   * The checkpoint saved last, for messages.
   *
   * @return the checkpoint, empty when none is saved (or for a replay of transactions)
   */
  public Optional<Checkpoint> checkpoint() {
    return checkpointStore == null ? Optional.empty() : Optional.ofNullable(loadCheckpoint());
  }

  /**
   * Forgets the checkpoint, so that the next run starts a new pass at the beginning (copies found done are passed
   * over, so nothing is handled twice).
   */
  public void resetCheckpoint() {
    if (checkpointStore != null) {
      checkpointStore.delete(checkpointKey());
    }
  }

  private String checkpointKey() {
    return CHECKPOINT_PREFIX + name;
  }

  // ---------------------------------------------------------------- messages

  /** One stored copy as the replay sees it. */
  private record Copy(ObjectInfo info, @Nullable String messageId, String dataset) {}

  /** Copies stored before this are beyond the horizon: their ids may be forgotten, so they are never replayed. */
  private Instant horizon() {
    return clock.instant().minus(processor.replayHorizon().orElse(processor.dedupeTtl()));
  }

  private ReplayBacklog dryRunMessages() {
    DedupeStore dedupe = processor.dedupeStore();
    if (!dedupe.supportsPeek()) {
      throw new UnsupportedOperationException("The dedupe store " + dedupe.getClass().getSimpleName()
          + " cannot say which messages are done without claiming them, so a dry run cannot count the backlog");
    }
    Checkpoint cp = loadCheckpoint();
    String resume = cp != null && !cp.complete() ? cp.lastKey().orElse(null) : null;
    long count = 0;
    long bytes = 0;
    long done = 0;
    long elsewhere = 0;
    long unreadable = 0;
    long beyond = 0;
    Instant horizon = horizon();
    Instant oldest = null;
    String after = resume;
    while (true) {
      List<ObjectInfo> page = processor.messageStore().list(MessageProcessor.COPY_PREFIX, after, pageSize);
      for (ObjectInfo info : page) {
        after = info.key();
        Copy copy = describe(info);
        if (copy.messageId() == null) {
          unreadable++;
          continue;
        }
        if (!filter.matches(info.lastModified(), copy.dataset(), copy.messageId())) {
          continue;
        }
        if (info.lastModified().isBefore(horizon)) {
          beyond++;
          continue;
        }
        Optional<DedupeClaim> state = dedupe.peek(copy.messageId());
        if (state.isEmpty()) {
          count++;
          bytes += info.size();
          oldest = oldest == null || info.lastModified().isBefore(oldest) ? info.lastModified() : oldest;
        } else if (state.get().status() == DedupeClaim.Status.DUPLICATE) {
          done++;
        } else {
          elsewhere++;
        }
      }
      if (page.size() < pageSize) {
        break;
      }
    }
    return new ReplayBacklog(count, bytes, Optional.ofNullable(oldest), done, elsewhere, unreadable, beyond,
        Optional.ofNullable(resume));
  }

  private ReplayReport runMessages() {
    DedupeStore dedupe = processor.dedupeStore();
    boolean peek = dedupe.supportsPeek();
    Checkpoint cp = loadCheckpoint();
    Checkpoint pass = cp != null && !cp.complete() ? cp
        : new Checkpoint(name, UUID.randomUUID().toString(), clock.instant(), Optional.empty(), false, clock.instant());
    if (pass != cp) {
      LOG.info("Replay '{}' starts a new pass over {} ({})", name, processor.messageStore().describe(), filter);
    } else {
      LOG.info("Replay '{}' continues its pass after {}", name, pass.lastKey().orElse("the beginning"));
    }
    Tally t = new Tally();
    String acknowledged = pass.lastKey().orElse(null);
    boolean blocked = false;
    int sinceSaved = 0;
    String after = acknowledged;
    Pacer pacer = new Pacer();
    Instant horizon = horizon();
    try {
      while (true) {
        List<ObjectInfo> page = processor.messageStore().list(MessageProcessor.COPY_PREFIX, after, pageSize);
        for (ObjectInfo info : page) {
          after = info.key();
          boolean ack = replayOne(info, dedupe, peek, pacer, horizon, t);
          if (!ack) {
            blocked = true;
          } else if (!blocked) {
            acknowledged = info.key();
            if (++sinceSaved >= checkpointEvery) {
              pass = save(pass, acknowledged, false);
              sinceSaved = 0;
            }
          }
        }
        if (page.size() < pageSize) {
          break;
        }
      }
    } catch (NotActiveException e) {
      save(pass, acknowledged, false);
      throw e;
    }
    pass = save(pass, acknowledged, !blocked);
    ReplayReport report = new ReplayReport(t.processed, t.bytes, t.done, t.elsewhere, t.failed, t.unreadable,
        t.beyond, pass.lastKey(), !blocked, t.failures);
    // One line a run; WARN when something failed (the messages themselves are at DEBUG, the first few in the report).
    if (t.failed > 0) {
      LOG.warn("Replay '{}': {} processed ({} bytes), {} done already, {} held elsewhere, {} failed (the next run "
          + "retries them; first: {}), {} unreadable{}", name, t.processed, t.bytes, t.done, t.elsewhere, t.failed,
          t.failures.isEmpty() ? "" : t.failures.get(0).toString(), t.unreadable, blocked ? "" : "; pass complete");
    } else {
      LOG.info("Replay '{}': {} processed ({} bytes), {} done already, {} held elsewhere, {} failed, {} unreadable{}",
          name, t.processed, t.bytes, t.done, t.elsewhere, t.failed, t.unreadable, blocked ? "" : "; pass complete");
    }
    return report;
  }

  /** Replays one copy; returns whether it is acknowledged (the checkpoint may pass it). */
  private boolean replayOne(ObjectInfo info, DedupeStore dedupe, boolean peek, Pacer pacer, Instant horizon,
      Tally t) {
    Copy copy = describe(info);
    if (copy.messageId() == null) {
      t.unreadable++;
      LOG.warn("Replay '{}' passes over {}: it names no message id, or not the one its key is made from", name,
          info.key());
      return true;
    }
    String id = copy.messageId();
    if (!filter.matches(info.lastModified(), copy.dataset(), id)) {
      return true;
    }
    if (info.lastModified().isBefore(horizon)) {
      t.beyond++;
      return true;
    }
    if (peek) {
      Optional<DedupeClaim> state = dedupe.peek(id);
      if (state.isPresent()) {
        if (state.get().status() == DedupeClaim.Status.DUPLICATE) {
          t.done++;
          return true;
        }
        t.elsewhere++;
        return false;
      }
    }
    try {
      byte[] payload = read(copy.info());
      if (payload == null) {
        // Deleted since it was listed: nothing left to replay.
        return true;
      }
      pacer.acquire();
      ProcessResult result = processor.process(id, payload, handler);
      switch (result.status()) {
        case PROCESSED:
          t.processed++;
          t.bytes += payload.length;
          return true;
        case DUPLICATE:
          t.done++;
          return true;
        default:
          t.elsewhere++;
          return false;
      }
    } catch (NotActiveException e) {
      throw e;
    } catch (RuntimeException e) {
      t.failed++;
      if (t.failures.size() < FAILURES_KEPT) {
        t.failures.add(e);
      }
      LOG.debug("Replay '{}' could not process message {}; the next run retries it", name, id, e);
      return false;
    }
  }

  /** The copy's bytes, checked against the MD5 the store holds; null when it is gone. */
  private byte @Nullable [] read(ObjectInfo info) {
    Destination store = processor.messageStore();
    Optional<String> expected = info.md5();
    if (expected.isEmpty()) {
      Optional<ObjectInfo> head = store.head(info.key());
      if (head.isEmpty()) {
        return null;
      }
      expected = head.get().md5();
    }
    Optional<InputStream> in = store.get(info.key());
    if (in.isEmpty()) {
      return null;
    }
    byte[] bytes;
    try (InputStream s = in.get()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.transferTo(out);
      bytes = out.toByteArray();
    } catch (IOException e) {
      throw new DestinationException(store.describe(), true, "Could not read the write-ahead copy " + info.key()
          + " from " + store.describe() + ": " + e.getMessage(), e);
    }
    String md5 = Md5.of(bytes);
    if (expected.isPresent() && !expected.get().equals(md5)) {
      throw new DestinationException(store.describe(), true, "The write-ahead copy " + info.key() + " read from "
          + store.describe() + " has MD5 " + md5 + ", the store holds " + expected.get()
          + " (changed while read, or damaged)");
    }
    return bytes;
  }

  /** The copy's message id (null when it names none, or one its key is not made from) and dataset. */
  private Copy describe(ObjectInfo info) {
    if (!info.metadata().containsKey(MessageProcessor.META_MESSAGE_ID)) {
      // A listing may leave out metadata it cannot vouch for without reading; head() can, and its MD5 then
      // serves the read too.
      info = processor.messageStore().head(info.key()).orElse(info);
    }
    Map<String, String> metadata = info.metadata();
    String encoded = metadata.get(MessageProcessor.META_MESSAGE_ID);
    String id = null;
    if (encoded != null) {
      try {
        String decoded = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
        id = MessageProcessor.copyKey(decoded).equals(info.key()) ? decoded : null;
      } catch (IllegalArgumentException e) {
        id = null;
      }
    }
    return new Copy(info, id, metadata.getOrDefault(MessageProcessor.META_DATASET, ""));
  }

  // ------------------------------------------------------------ transactions

  private List<TransactionRecord> backlog() {
    List<TransactionRecord> taken = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long position = 0;
    while (true) {
      OpenPage page = log.openPage(position, pageSize);
      for (TransactionRecord r : page.transactions()) {
        take(r, taken, seen);
      }
      if (page.last()) {
        break;
      }
      position = page.next();
    }
    if (deadLettered) {
      for (TransactionRecord r : log.deadLettered()) {
        take(r, taken, seen);
      }
    }
    return taken;
  }

  private void take(TransactionRecord r, List<TransactionRecord> taken, Set<String> seen) {
    if (!r.superseded() && filter.matches(r.createdAt(), r.start().datasetId(), r.key()) && seen.add(r.transactionId())) {
      taken.add(r);
    }
  }

  private ReplayBacklog dryRunTransactions() {
    long bytes = 0;
    Instant oldest = null;
    List<TransactionRecord> backlog = backlog();
    for (TransactionRecord r : backlog) {
      bytes += r.size();
      oldest = oldest == null || r.createdAt().isBefore(oldest) ? r.createdAt() : oldest;
    }
    return new ReplayBacklog(backlog.size(), bytes, Optional.ofNullable(oldest), 0, 0, 0, 0, Optional.empty());
  }

  private ReplayReport runTransactions() {
    Tally t = new Tally();
    Pacer pacer = new Pacer();
    for (TransactionRecord r : backlog()) {
      pacer.acquire();
      try {
        PushReceipt receipt = client.retryFailed(r.transactionId());
        switch (receipt.state()) {
          case VERIFIED, COMPLETED, SUPERSEDED, FORGOTTEN -> {
            t.processed++;
            t.bytes += r.size();
          }
          default -> {
            t.failed++;
            if (t.failures.size() < FAILURES_KEPT) {
              t.failures.add(new PushFailedException(receipt));
            }
          }
        }
      } catch (RuntimeException e) {
        t.failed++;
        if (t.failures.size() < FAILURES_KEPT) {
          t.failures.add(e);
        }
        LOG.debug("Replay could not re-push transaction {} of '{}'", r.transactionId(), r.key(), e);
      }
    }
    if (t.failed > 0) {
      LOG.warn("Replay of {}: {} re-pushed ({} bytes), {} failed (first: {})", log, t.processed, t.bytes, t.failed,
          t.failures.isEmpty() ? "" : t.failures.get(0).toString());
    } else {
      LOG.info("Replay of {}: {} re-pushed ({} bytes), {} failed", log, t.processed, t.bytes, t.failed);
    }
    return new ReplayReport(t.processed, t.bytes, 0, 0, t.failed, 0, 0, Optional.empty(), t.failed == 0, t.failures);
  }

  // -------------------------------------------------------------- checkpoint

  private @Nullable Checkpoint loadCheckpoint() {
    Optional<InputStream> in = checkpointStore.get(checkpointKey());
    if (in.isEmpty()) {
      return null;
    }
    Properties p = new Properties();
    try (InputStream s = in.get()) {
      p.load(s);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read the checkpoint " + checkpointKey() + " of replay '" + name
          + "' from " + checkpointStore.describe(), e);
    }
    try {
      String last = p.getProperty("lastKey");
      return new Checkpoint(name, require(p, "pass"), Instant.parse(require(p, "passStartedAt")),
          last == null || last.isEmpty() ? Optional.empty() : Optional.of(last),
          Boolean.parseBoolean(require(p, "complete")), Instant.parse(require(p, "savedAt")));
    } catch (RuntimeException e) {
      throw new IllegalStateException("The checkpoint " + checkpointKey() + " of replay '" + name + "' in "
          + checkpointStore.describe() + " is damaged (" + e.getMessage() + "); resetCheckpoint() starts a new pass,"
          + " which passes over what is done", e);
    }
  }

  private static String require(Properties p, String field) {
    String v = p.getProperty(field);
    if (v == null) {
      throw new IllegalArgumentException("no '" + field + "'");
    }
    return v;
  }

  private Checkpoint save(Checkpoint pass, @Nullable String lastKey, boolean complete) {
    Checkpoint next = new Checkpoint(name, pass.pass(), pass.passStartedAt(), Optional.ofNullable(lastKey), complete,
        clock.instant());
    Properties p = new Properties();
    p.setProperty("pass", next.pass());
    p.setProperty("passStartedAt", next.passStartedAt().toString());
    p.setProperty("lastKey", lastKey == null ? "" : lastKey);
    p.setProperty("complete", Boolean.toString(complete));
    p.setProperty("savedAt", next.savedAt().toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, "dualpush replay checkpoint");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    checkpointStore.put(new WriteRequest(checkpointKey(), bytes.length, Md5.of(bytes), "text/plain", Map.of(),
        "replay-" + name, "replay", OptionalLong.empty(), () -> new ByteArrayInputStream(bytes)));
    return next;
  }

  @Override
  public String toString() {
    return "Replayer{" + (processor != null ? "messages of " + processor.messageStore().describe() + ", '" + name + "'"
        : "transactions of " + log) + ", " + filter + (rate > 0 ? ", " + rate + "/s" : "") + "}";
  }

  /**
   * A replay's persisted progress.
   *
   * @param name the replay's name
   * @param pass the current pass's id
   * @param passStartedAt when the pass started
   * @param lastKey the key up to which every copy is acknowledged; empty when none is yet
   * @param complete whether the pass reached the end with everything acknowledged
   * @param savedAt when it was saved
   */
  public record Checkpoint(String name, String pass, Instant passStartedAt, Optional<String> lastKey,
      boolean complete, Instant savedAt) {}

  private static final class Tally {
    long processed;
    long bytes;
    long done;
    long elsewhere;
    long failed;
    long unreadable;
    long beyond;
    final List<RuntimeException> failures = new ArrayList<>();
  }

  /** Sleeps for a number of nanoseconds; a seam for tests. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  /** Spaces calls evenly at the rate limit; a no-op without one. */
  private final class Pacer {
    private long next = Long.MIN_VALUE;

    void acquire() {
      if (rate <= 0) {
        return;
      }
      long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
      long now = nanoTime.getAsLong();
      long start = next == Long.MIN_VALUE ? now : Math.max(next, now);
      if (start > now) {
        try {
          sleeper.sleep(start - now);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DualPushException("Replay '" + name + "' was interrupted", e);
        }
      }
      next = start + interval;
    }
  }

  /** Builds a {@link Replayer}; not thread-safe. */
  public static final class Builder {
    private @Nullable MessageProcessor processor;
    private @Nullable MessageHandler handler;
    private @Nullable DualPushClient client;
    private @Nullable TransactionLog log;
    private @Nullable Destination checkpointStore;
    private String name = "default";
    private ReplayFilter filter = ReplayFilter.ALL;
    private double rate;
    private int pageSize = 500;
    private int checkpointEvery = 100;
    private boolean deadLettered = true;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;
    private Sleeper sleeper = nanos -> TimeUnit.NANOSECONDS.sleep(nanos);

    private Builder() {}

    /**
     * The replay's name, which keys its checkpoint; {@code default} unless set. Replays of different names keep
     * different checkpoints.
     *
     * @param name 1 to 64 letters, digits, '.', '_' or '-'
     * @return this builder
     */
    public Builder name(String name) {
      InvalidInputException.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new InvalidInputException("name", "'name' must be 1 to 64 letters, digits, '.', '_' or '-'; got '"
            + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * Where the checkpoint is kept, under {@code replay-checkpoints/<name>}; the processor's message store unless
     * set.
     *
     * @param store the checkpoint store
     * @return this builder
     */
    public Builder checkpointStore(Destination store) {
      this.checkpointStore = InvalidInputException.requireNonNull(store, "checkpointStore");
      return this;
    }

    /**
     * Which items are replayed; everything unless set.
     *
     * @param filter the filter
     * @return this builder
     */
    public Builder filter(ReplayFilter filter) {
      this.filter = InvalidInputException.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * The most items handed to the handler (or re-pushed) per second; unlimited unless set. Items passed over
     * because they are done do not count.
     *
     * @param perSecond more than 0
     * @return this builder
     */
    public Builder rateLimit(double perSecond) {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new InvalidInputException("rateLimit", "'rateLimit' must be a finite number of items per second above"
            + " 0; got " + perSecond);
      }
      this.rate = perSecond;
      return this;
    }

    /**
     * How many items are listed at a time; 500 unless set.
     *
     * @param size 1 to 10,000
     * @return this builder
     */
    public Builder pageSize(int size) {
      if (size < 1 || size > 10_000) {
        throw new InvalidInputException("pageSize", "'pageSize' must be 1 to 10000; got " + size);
      }
      this.pageSize = size;
      return this;
    }

    /**
     * How many acknowledged copies pass between two saves of the checkpoint; 100 unless set. A replayer that dies
     * revisits at most this many copies, which it finds done.
     *
     * @param copies at least 1
     * @return this builder
     */
    public Builder checkpointEvery(int copies) {
      if (copies < 1) {
        throw new InvalidInputException("checkpointEvery", "'checkpointEvery' must be at least 1; got " + copies);
      }
      this.checkpointEvery = copies;
      return this;
    }

    /**
     * Whether a replay of transactions also retries the dead-lettered ones; true unless set.
     *
     * @param include whether to include them
     * @return this builder
     */
    public Builder includeDeadLettered(boolean include) {
      this.deadLettered = include;
      return this;
    }

    /** The clock stamping checkpoints; for tests. */
    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The ticker and sleeper the rate limit uses; for tests. */
    Builder pacing(LongSupplier nanoTime, Sleeper sleeper) {
      this.nanoTime = nanoTime;
      this.sleeper = sleeper;
      return this;
    }

    /**
     * The replayer.
     *
     * @return a new replayer
     */
    public Replayer build() {
      if (processor != null && filter.since().isPresent()) {
        java.time.Duration reach = processor.replayHorizon().orElse(processor.dedupeTtl());
        Instant horizon = clock.instant().minus(reach);
        if (filter.since().get().isBefore(horizon)) {
          throw new InvalidInputException("filter", "The replay goes back to " + filter.since().get()
              + ", before the processor's replay horizon (" + reach + ", so " + horizon + "): the dedupe store may"
              + " have forgotten the ids of messages that old, and their side effects would run twice");
        }
      }
      return new Replayer(this);
    }
  }
}
