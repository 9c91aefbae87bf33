package io.dualpush.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.AppendBlobRequestConditions;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.LeaseStateType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.AppendBlobCreateOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.DualPushException;
import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentCorruptedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.WriterClaim;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SegmentStore} in Azure Blob Storage: each segment an append blob under a prefix of the
 * user's container, the writer's claim a blob lease. The segmented log over it does framing, group
 * commit, replay and compaction; this class only moves bytes and fences writers off.
 *
 * <h2>In the container</h2>
 * <pre>
 * PREFIX/writer.lock                        an empty block blob; its blob lease is the writer's claim
 * PREFIX/segment-00000000000000000001.log   an append blob (numbered one after another from 1)
 * </pre>
 * These are the names logs written by earlier releases use, so they open unchanged.
 *
 * <h2>Appends</h2>
 * An {@code Append Block} adds up to 4 MiB atomically and is durable (replicated per the account's
 * redundancy) when the service answers 201, so {@link #sync} is a no-op. Each block carries the
 * condition {@code x-ms-blob-condition-appendpos} = the offset the log expects the blob to end at:
 * an SDK retry of a block that had in fact landed, or a second writer, fails with 412
 * {@code AppendPositionConditionNotMet} instead of duplicating or interleaving records. The store
 * then reads the tail back: exactly its block there means the append succeeded; anything else is an
 * {@link AppendPositionException}, or, when renewing the lease at once finds that another writer
 * took the log over, a {@link ClaimLostException} with that position failure as its cause (the log
 * then reports its lease lost, not storage unavailable). After a failure that leaves the outcome unknown (a timeout, a
 * 5xx, an I/O error) it reads the tail back the same way before returning, as the interface asks,
 * and never appends the same bytes twice. One append call waits at most until the writer's lease
 * could run out: a block answered later could have landed behind a new writer's back, and the
 * log's writer waits for the call (holding its I/O lock).
 *
 * <h2>The writer's claim</h2>
 * {@link #claim} takes the blob lease on {@code PREFIX/writer.lock} (see {@link BlobWriterLease}:
 * counted from just before the request was sent, with a safety margin), renewed in the background.
 * Every append, create, tail mark and deletion first checks that the lease cannot have run out by
 * this process's clock; a deletion (which cannot be made conditional on the lease) renews it first,
 * which fails if another writer took the log over. A lease found lost or possibly expired is a
 * {@link ClaimLostException}.
 *
 * <h2>Torn tails</h2>
 * Append blobs cannot be truncated: {@link #dropTail} records the valid length in the blob's metadata
 * ({@value #VALID_LENGTH}); {@link #list} and readers end there, and the log rolls to a new segment.
 *
 * <p>Errors become {@link IOException}s whose message says whether the failure is transient (408,
 * 429, 5xx, I/O) or permanent and never holds a secret; the cause is a scrubbed copy of the SDK's
 * exception. Thread-safe.
 */
final class AppendBlobSegmentStore implements SegmentStore {
  private static final Logger LOG = LoggerFactory.getLogger(AppendBlobSegmentStore.class);
  /** Blob metadata on a segment whose tail was torn: how many bytes of it are whole records. */
  static final String VALID_LENGTH = "dualpush_valid_length";
  private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{20})\\.log");
  /** The largest append block every service version (and Azurite) accepts. */
  static final int MAX_BLOCK = 4 * 1024 * 1024;
  /** Leaves headroom below the service's 50,000 blocks per append blob. */
  static final int MAX_BLOCKS_PER_SEGMENT = 49_000;
  /** How much a reader fetches at once: the log reads a few MiB at a time, one request per fetch. */
  private static final int READ_AHEAD = 8 * 1024 * 1024;

  private final BlobContainerClient container;
  private final String prefix;
  private final String description;
  private final Capabilities capabilities;
  private final Duration leaseDuration;
  private final Duration leaseSafetyMargin;
  private final LongSupplier ticker;
  private volatile @Nullable Claim claim;
  /** An append call was given up on while it may still land: the lease must then run out, not be released. */
  private volatile boolean callAbandoned;
  /** Append calls under way: a claim closed meanwhile (a close that gave up on its writer) must not release the lease. */
  private final AtomicInteger appending = new AtomicInteger();

  /**
   * A store under {@code prefix} of {@code container}.
   *
   * @param container the user's client, its credential used as is
   * @param prefix the blob name prefix, without a trailing slash
   * @param maxBlocksPerSegment blocks after which the log rolls, at most {@link #MAX_BLOCKS_PER_SEGMENT}
   * @param leaseDuration the writer's lease duration, 15..60 s
   * @param leaseSafetyMargin how long before the lease could run out the writer stops
   * @param ticker the lease's monotonic clock, in nanoseconds
   */
  AppendBlobSegmentStore(BlobContainerClient container, String prefix, int maxBlocksPerSegment,
      Duration leaseDuration, Duration leaseSafetyMargin, LongSupplier ticker) {
    BlobWriterLease.validate(leaseDuration, leaseSafetyMargin);
    this.container = container;
    this.prefix = prefix;
    this.description = "azure:" + container.getAccountName() + "/" + container.getBlobContainerName() + "/" + prefix;
    this.capabilities = new Capabilities(MAX_BLOCK, maxBlocksPerSegment, false, false, Numbering.CONSECUTIVE);
    this.leaseDuration = leaseDuration;
    this.leaseSafetyMargin = leaseSafetyMargin;
    this.ticker = ticker;
  }

  static String segmentName(String prefix, long number) {
    return String.format("%s/segment-%020d.log", prefix, number);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public String locate(SegmentInfo segment) {
    return "blob '" + segment.name() + "' of container '" + container.getBlobContainerName() + "'";
  }

  @Override
  public String writerPresence() {
    try {
      LeaseStateType state = container.getBlobClient(prefix + "/" + BlobWriterLease.LOCK_BLOB).getProperties()
          .getLeaseState();
      return LeaseStateType.LEASED.equals(state)
          ? "A writer holds the log's lease now; append blocks are atomic, so the cut bytes are no append in progress "
              + "but the work of a tool or a restore."
          : "No writer holds the log's lease now; append blocks are atomic, so a tool or a restore cut the blob. The "
              + "next writer's open drops the cut bytes.";
    } catch (RuntimeException e) {
      return "Whether a writer holds the log cannot be told (" + Scrub.text(String.valueOf(e.getMessage())) + ").";
    }
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  // ------------------------------------------------------------------ the claim

  @Override
  public WriterClaim claim(boolean takeOver) throws IOException {
    BlobWriterLease lease;
    try {
      lease = BlobWriterLease.acquire(container, prefix, description, takeOver, leaseDuration, leaseSafetyMargin,
          ticker);
    } catch (BlobWriterLease.HeldException e) {
      throw new ClaimRefusedException(e.getMessage());
    } catch (DualPushException e) {
      throw new IOException(e.getMessage(), e.getCause());
    }
    Claim c = new Claim(lease);
    claim = c;
    lease.startRenewing("dualpush-azure-log-lease " + prefix, c::lost);
    return c;
  }

  /** The blob lease as the log's writer claim. */
  private final class Claim implements WriterClaim {
    private final BlobWriterLease lease;
    private volatile @Nullable DualPushException lost;
    private volatile boolean closed;

    Claim(BlobWriterLease lease) {
      this.lease = lease;
    }

    void lost(DualPushException e) {
      if (lost == null) {
        lost = e;
        LOG.error("{}; refusing further appends", e.getMessage());
      }
    }

    @Override
    public void ensureHeld() throws ClaimLostException {
      DualPushException l = lost;
      if (l != null) {
        throw new ClaimLostException(l.getMessage(), l);
      }
      if (closed) {
        throw new ClaimLostException("Transaction log " + description + " released its writer's lease", null);
      }
      if (lease.mayHaveExpired()) {
        DualPushException e = new DualPushException("Transaction log " + description + " could not renew its writer's "
            + "lease in time; another writer may hold the log now");
        lost(e);
        throw new ClaimLostException(e.getMessage(), null);
      }
    }

    /** Renews now: before a deletion, which the service cannot make conditional on the lease. */
    void renewNow() throws IOException {
      ensureHeld();
      try {
        lease.renew();
      } catch (BlobWriterLease.LostException e) {
        lost(e);
        throw new ClaimLostException(e.getMessage(), e);
      } catch (RuntimeException e) {
        throw io("renew the writer's lease of", e);
      }
    }

    /**
     * Releases the lease, unless it was lost, or an append call is under way or was given up on
     * while it may still land (the log closed without waiting for a store that stopped answering):
     * then the lease is left to run out, as after a crash, so that no other writer opens the log
     * before that block could have landed.
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      boolean mayStillLand = callAbandoned || appending.get() > 0;
      if (lost == null && !mayStillLand) {
        lease.release();
        return;
      }
      lease.stop();
      if (mayStillLand) {
        LOG.warn("Transaction log {}: closed while an append call had not answered; the writer's lease is left to "
            + "expire instead of being released, so no other writer opens the log while that block may land",
            description);
      }
    }

    /** Stops renewing without releasing, as a killed process would (for tests). */
    void abandon() {
      closed = true;
      lease.stop();
    }
  }

  /** Throws unless this store's writer still holds its claim (a no-op for a store that has not claimed). */
  private void checkClaim() throws ClaimLostException {
    Claim c = claim;
    if (c != null) {
      c.ensureHeld();
    }
  }

  /** For tests: stops renewing the lease without releasing it, as a killed process would. */
  void abandonClaimForTesting() {
    Claim c = claim;
    if (c != null) {
      c.abandon();
    }
  }

  // ------------------------------------------------------------------ segments

  @Override
  public List<SegmentInfo> list() throws IOException {
    List<SegmentInfo> out = new ArrayList<>();
    ListBlobsOptions options = new ListBlobsOptions().setPrefix(prefix + "/segment-")
        .setDetails(new BlobListDetails().setRetrieveMetadata(true));
    try {
      for (BlobItem item : container.listBlobs(options, null)) {
        Matcher m = SEGMENT_NAME.matcher(item.getName().substring(prefix.length() + 1));
        if (!m.matches()) {
          continue;
        }
        Long contentLength = item.getProperties().getContentLength();
        long length = validLength(item.getName(), contentLength == null ? 0 : contentLength, item.getMetadata());
        out.add(new SegmentInfo(Long.parseLong(m.group(1)), item.getName(), length));
      }
    } catch (RuntimeException e) {
      throw io("list the segments of", e);
    }
    out.sort(Comparator.comparingLong(SegmentInfo::number));
    return out;
  }

  /** The readable length of a blob: its size, or less when a torn tail was marked. */
  private static long validLength(String name, long size, @Nullable Map<String, String> metadata)
      throws SegmentCorruptedException {
    String valid = metadata == null ? null : metadata.get(VALID_LENGTH);
    if (valid == null) {
      return size;
    }
    try {
      long v = Long.parseLong(valid);
      if (v < 0) {
        throw new NumberFormatException("negative");
      }
      return Math.min(size, v);
    } catch (NumberFormatException e) {
      throw new SegmentCorruptedException("Blob '" + name + "' has a valid-length mark (" + VALID_LENGTH + ") that is "
          + "not a length: '" + valid + "'", name);
    }
  }

  @Override
  public SegmentInfo create(long number) throws IOException {
    checkClaim();
    String name = segmentName(prefix, number);
    AppendBlobClient blob = blob(name);
    try {
      // If-None-Match: * — a segment that already exists belongs to another writer.
      boolean created = blob.createIfNotExistsWithResponse(new AppendBlobCreateOptions(), null, Context.NONE)
          .getStatusCode() == 201;
      if (!created && blob.getProperties().getBlobSize() != 0) {
        // An empty one is ours: a create whose answer was lost and that the SDK or a later roll retried.
        throw new FileAlreadyExistsException(name, null, "segment '" + name + "' of " + description
            + " already exists and holds records; another writer is using the log");
      }
    } catch (RuntimeException e) {
      throw io("create a segment of", e);
    }
    return new SegmentInfo(number, name, 0);
  }

  @Override
  public void append(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    checkClaim(); // before every block: the lease may run out between two blocks of one batch
    appending.incrementAndGet();
    try {
      appendChecked(segment, expectedOffset, bytes);
    } finally {
      appending.decrementAndGet();
    }
  }

  private void appendChecked(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    byte[] block = new byte[bytes.remaining()];
    bytes.get(block);
    AppendBlobClient blob = blob(segment.name());
    try {
      blob.appendBlockWithResponse(new ByteArrayInputStream(block), block.length, null,
          new AppendBlobRequestConditions().setAppendPosition(expectedOffset), appendTimeout(), Context.NONE);
      return;
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 412 && BlobErrorCode.APPEND_POSITION_CONDITION_NOT_MET.equals(e.getErrorCode())) {
        // An SDK retry of this very block that had landed, or another writer.
        if (landedAt(blob, expectedOffset, block)) {
          LOG.debug("Transaction log {}: a retried block had already landed at offset {}", description, expectedOffset);
          return;
        }
        throw fencedOff(segment, expectedOffset, -1);
      }
      if (!AzureLogErrors.isTransient(e)) {
        throw io("append to", e); // refused (authentication, a missing container): nothing landed
      }
      resolveUnknown(segment, blob, expectedOffset, block, e);
    } catch (RuntimeException e) {
      if (timedOut(e)) {
        callAbandoned = true; // the request may still be on its way; see Claim.close()
      }
      resolveUnknown(segment, blob, expectedOffset, block, e); // below HTTP: the block may or may not have landed
    }
  }

  /**
   * How long one append may take: until the lease could run out, since a block that lands later
   * could land behind a new writer's back, and the log's writer holds its lock meanwhile (a call
   * stuck in the network would otherwise hold up checkpoints and close for as long as the client
   * lets it). Null (the client's own timeouts) for a store that has not claimed.
   */
  private @Nullable Duration appendTimeout() {
    Claim c = claim;
    if (c == null) {
      return null;
    }
    Duration left = c.lease.remaining();
    return left.isZero() ? Duration.ofMillis(1) : left;
  }

  /**
   * An append failed without saying whether its block landed: reads the blob back. Returns when it
   * did (the append succeeded after all); throws the failure when the blob still ends at
   * {@code expected}, and an {@link AppendPositionException} when it holds something else.
   */
  private void resolveUnknown(SegmentInfo segment, AppendBlobClient blob, long expected, byte[] block,
      RuntimeException failure) throws IOException {
    long size;
    boolean ours;
    try {
      size = blob.getProperties().getBlobSize();
      ours = size >= expected + block.length && landedAt(blob, expected, block);
    } catch (RuntimeException readFailed) {
      IOException e = io("append to", failure);
      e.addSuppressed(Scrub.of(readFailed));
      throw new IOException(e.getMessage() + "; whether the block landed is unknown", e.getCause());
    }
    if (ours) {
      LOG.warn("Transaction log {}: a block whose append failed had landed at offset {} of '{}'", description, expected,
          segment.name());
      return;
    }
    if (size == expected) {
      throw io("append to", failure); // it did not land
    }
    throw fencedOff(segment, expected, size);
  }

  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The failure of an append whose blob no longer ends where this writer expected. When this store
   * holds the writer's lease it renews it at once to learn why: a writer that was taken over (the
   * renewal finds another holder) gets a {@link ClaimLostException} whose cause is the position
   * failure, which is how it learned of it, so that the log reports the lease lost and stands down
   * rather than reporting storage unavailable; otherwise (the lease still ours: a tool appended; or
   * the renewal could not be made) the {@link AppendPositionException} itself.
   */
  private IOException fencedOff(SegmentInfo segment, long expected, long actual) {
    AppendPositionException position = fenced(segment, expected, actual);
    Claim c = claim;
    if (c == null) {
      return position;
    }
    try {
      c.renewNow();
    } catch (ClaimLostException lost) {
      ClaimLostException e = new ClaimLostException("Transaction log " + description + ": another writer took the "
          + "log over and appended to blob '" + segment.name() + "' at offset " + expected + " (" + lost.getMessage()
          + "). Refusing further appends; reopen to continue from what is stored", position);
      e.addSuppressed(lost);
      return e;
    } catch (IOException renewFailed) {
      position.addSuppressed(renewFailed);
    }
    return position;
  }

  private AppendPositionException fenced(SegmentInfo segment, long expected, long actual) {
    return new AppendPositionException("Transaction log " + description + ": blob '" + segment.name()
        + "' no longer ends at offset " + expected + " and does not hold this writer's block there: another writer "
        + "appended to the log. Refusing further appends; reopen to continue from what is stored", expected, actual);
  }

  private static boolean landedAt(AppendBlobClient blob, long offset, byte[] block) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(block.length);
    try {
      blob.downloadStreamWithResponse(out, new BlobRange(offset, (long) block.length), null, null, false, null,
          Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 416) {
        return false;
      }
      throw e;
    }
    return Arrays.equals(out.toByteArray(), block);
  }

  /** A no-op: an append block is durable when the service acknowledges it. */
  @Override
  public void sync(SegmentInfo segment) {
    // Nothing to do: see the class documentation.
  }

  @Override
  public SegmentReader open(SegmentInfo segment) {
    return new Reader(segment.name(), blob(segment.name()));
  }

  @Override
  public boolean dropTail(SegmentInfo segment, long validLength) throws IOException {
    checkClaim();
    try {
      blob(segment.name()).setMetadata(Map.of(VALID_LENGTH, Long.toString(validLength)));
    } catch (RuntimeException e) {
      throw io("mark the torn tail of", e);
    }
    return false;
  }

  @Override
  public void delete(SegmentInfo segment) throws IOException {
    Claim c = claim;
    if (c == null) {
      throw new ClaimLostException("Transaction log " + description + " deletes no segment: it holds no writer's "
          + "lease", null);
    }
    try {
      c.renewNow();
    } catch (ClaimLostException e) {
      throw new ClaimLostException("Transaction log " + description + " deletes no segment: " + e.getMessage(), e);
    }
    try {
      blob(segment.name()).deleteIfExists();
    } catch (RuntimeException e) {
      throw io("delete a segment of", e);
    }
  }

  /** Nothing to release: the container client is the user's. */
  @Override
  public void close() {
    // The claim is released by the log, after its last write.
  }

  private AppendBlobClient blob(String name) {
    return container.getBlobClient(name).getAppendBlobClient();
  }

  /** An {@link IOException} saying what failed, whether retrying may help, and never a secret. */
  private IOException io(String operation, RuntimeException e) {
    DualPushException d = AzureLogErrors.failure(description, container.getBlobContainerName(), operation, e);
    return new IOException(d.getMessage(), d.getCause() == null ? d : d.getCause());
  }

  // ------------------------------------------------------------------ reading

  /** Ranged downloads of one blob, fetching ahead so the log's sequential reads cost one request per few MiB. */
  private final class Reader implements SegmentReader {
    private final String name;
    private final AppendBlobClient blob;
    private long size = -1;
    private byte[] cache = new byte[0];
    private long cacheStart;

    Reader(String name, AppendBlobClient blob) {
      this.name = name;
      this.blob = blob;
    }

    @Override
    public long size() throws IOException {
      try {
        BlobProperties props = blob.getProperties();
        size = validLength(name, props.getBlobSize(), props.getMetadata());
        return size;
      } catch (BlobStorageException e) {
        if (e.getStatusCode() == 404) {
          throw new NoSuchFileException(name, null, "deleted meanwhile (compacted by a writer)");
        }
        throw io("read", e);
      } catch (RuntimeException e) {
        throw io("read", e);
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      if (!dst.hasRemaining()) {
        return 0;
      }
      if (position < cacheStart || position >= cacheStart + cache.length) {
        if (size < 0 || position >= size) {
          size();
        }
        if (position >= size) {
          return -1;
        }
        fetch(position, (int) Math.min(size - position, Math.max(READ_AHEAD, dst.remaining())));
      }
      int offset = (int) (position - cacheStart);
      int n = Math.min(dst.remaining(), cache.length - offset);
      dst.put(cache, offset, n);
      return n;
    }

    private void fetch(long position, int length) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      try {
        blob.downloadStreamWithResponse(out, new BlobRange(position, (long) length), null, null, false, null,
            Context.NONE);
      } catch (BlobStorageException e) {
        if (e.getStatusCode() == 404) {
          throw new NoSuchFileException(name, null, "deleted meanwhile (compacted by a writer)");
        }
        throw io("read", e);
      } catch (RuntimeException e) {
        throw io("read", e);
      }
      byte[] bytes = out.toByteArray();
      if (bytes.length == 0) {
        throw new IOException("Transaction log " + description + ": read nothing of blob '" + name + "' at offset "
            + position + " of " + size + " bytes");
      }
      cache = bytes;
      cacheStart = position;
    }

    @Override
    public void close() {
      cache = new byte[0];
    }
  }
}
