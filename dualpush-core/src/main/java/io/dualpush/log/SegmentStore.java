package io.dualpush.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where a segmented transaction log keeps its segments: a directory of files, a container of
 * append blobs, a simulated disk. The log ({@code SegmentedTransactionLog}) owns everything else —
 * framing, group commit, replay, the torn-tail policy, gap detection, compaction — so a store only
 * moves bytes, and a new place to keep a log is a new store, not a new log.
 *
 * <h2>What the log relies on</h2>
 * <ul>
 *   <li><b>Segments</b> are append-only byte sequences identified by a number ({@link SegmentInfo});
 *       the log picks the numbers (see {@link Numbering}) and the store turns them into names. The
 *       log only ever appends to the newest segment and deletes the oldest ones.</li>
 *   <li><b>Durability.</b> {@link #create}, {@link #delete}, {@link #dropTail} and
 *       {@link #quarantine} are durable on return (a file store fsyncs the directory). Bytes of
 *       {@link #append} are durable after {@link #sync} of that segment returns (a store whose
 *       appends are durable on return, like an append blob, makes {@code sync} a no-op). A crash
 *       may lose any appended bytes not yet synced, keep a prefix of them, or tear the last append
 *       mid-way; it never loses synced bytes, nor reorders creates and deletes.</li>
 *   <li><b>Conditional append.</b> {@link #append} writes at {@code expectedOffset} only if the
 *       segment ends exactly there (an append blob's {@code appendpos} condition; a file store
 *       checks its own position), so a second writer or a retried request cannot interleave or
 *       duplicate records.</li>
 *   <li><b>Cutting a torn tail.</b> Where the store can truncate ({@link Capabilities#canTruncate()}),
 *       {@link #dropTail} cuts the bytes off and the log goes on appending to that segment. Where it
 *       cannot (an append blob), {@code dropTail} records the valid length (later {@link #list} and
 *       {@link SegmentReader#size()} report it, never the bytes after it, which stay for forensics)
 *       and the log <em>rolls to a new segment</em> before its next append: it never appends after
 *       bytes that are not log.</li>
 *   <li><b>One writer.</b> A writer takes a {@link WriterClaim} before anything else and checks it
 *       before every write and deletion; a read-only open takes none and calls only {@link #list},
 *       {@link #open} and {@link #acceptedGaps}.</li>
 * </ul>
 *
 * <h2>Exceptions</h2>
 * Every method throws {@link IOException} when the store cannot do it (disk full, I/O error,
 * service unavailable). A store retries transient failures itself, within its own policy, before
 * throwing: the log does not retry, it fails the operation with a
 * {@code TransactionLogUnavailableException} and, for anything that writes, refuses further writes
 * until reopened, since the state of what it wrote is then unknown. The subclasses say more:
 * {@link ClaimRefusedException} (another writer holds the log), {@link ClaimLostException} (this
 * writer must stop), {@link AppendPositionException} (the segment does not end where expected),
 * {@link SegmentCorruptedException} (a segment is damaged: corruption, not unavailability), and
 * {@link java.nio.file.NoSuchFileException} (a segment was deleted, seen by a read-only open beside a
 * writer's compaction). Damage <em>inside</em> the bytes (bad checksums, torn frames) is the log's
 * to find, not the store's.
 *
 * <h2>Thread safety</h2>
 * Implementations are thread-safe. The log appends, syncs, creates and cuts tails from one thread at
 * a time (its writer); deletes and quarantines older segments from its compaction thread, possibly
 * while the writer appends to the newest; lists and reads from any thread.
 */
public interface SegmentStore extends Closeable {

  /**
   * How a store's segment numbers relate to the records in them, which is how the log detects
   * segments missing between two present ones.
   */
  enum Numbering {
    /**
     * A segment's number is the sequence number of its first record, counting every frame from 0:
     * the segment after one numbered {@code n} holding {@code r} records is {@code n + r} (the
     * file log's {@code segment-<20 digits>.wal}, from 0).
     */
    RECORD_SEQUENCE,
    /**
     * Segments are numbered one after another from 1 (the Azure log's
     * {@code segment-<20 digits>.log}).
     */
    CONSECUTIVE
  }

  /**
   * What a store can do, fixed for its lifetime.
   *
   * @param maxAppendBytes the most bytes one {@link #append} may carry, which bounds the largest
   *     record (frame header included): 4 MiB for an append blob (one append block)
   * @param maxAppendsPerSegment the most appends one segment takes before the log must roll
   *     (50,000 blocks for an append blob; {@link Long#MAX_VALUE} for files)
   * @param canTruncate whether {@link #dropTail} cuts bytes off, so the segment can be appended to
   *     again; when false the log rolls to a new segment after a torn tail
   * @param canQuarantine whether {@link #quarantine} and {@link #recordAcceptedGap} are supported
   * @param numbering how segment numbers relate to records
   */
  record Capabilities(int maxAppendBytes, long maxAppendsPerSegment, boolean canTruncate, boolean canQuarantine,
      Numbering numbering) {
    /**
     * Checks the components.
     *
     * @param maxAppendBytes at least 64 bytes
     * @param maxAppendsPerSegment at least 2
     * @param canTruncate whether {@link #dropTail} truncates
     * @param canQuarantine whether quarantine is supported
     * @param numbering how segments are numbered
     * @throws IllegalArgumentException when a limit is too small
     */
    public Capabilities {
      if (maxAppendBytes < 64 || maxAppendsPerSegment < 2) {
        throw new IllegalArgumentException("maxAppendBytes must be at least 64 and maxAppendsPerSegment at least 2");
      }
      java.util.Objects.requireNonNull(numbering, "numbering");
    }
  }

  /**
   * A range of record (or segment) numbers, inclusive, whose loss was accepted by an earlier open
   * (see {@link SegmentStore#recordAcceptedGap}).
   *
   * @param first the first missing number
   * @param last the last missing number, at least {@code first}
   */
  record AcceptedGap(long first, long last) {}

  /**
   * Names the log for messages and exceptions: a directory, an account, container and prefix. Never
   * holds a secret.
   *
   * @return a short description
   */
  String description();

  /**
   * Where a segment is, for messages: a file's path, a blob's container and name. Never holds a
   * secret (no SAS token, no account key).
   *
   * @param segment a segment of this store
   * @return its location, for people
   */
  default String locate(SegmentInfo segment) {
    return description() + "/" + segment.name();
  }

  /**
   * A sentence for a read-only open that found a torn tail left in place: whether a writer holds
   * the log right now (its last write failed part way) or not (a writer died; the next writer's open
   * drops the tail), as far as the store can tell without disturbing a writer.
   *
   * @return a whole sentence for people
   */
  default String writerPresence() {
    return "Whether a writer holds the log cannot be told here.";
  }

  /**
   * What this store can do.
   *
   * @return its capabilities, the same on every call
   */
  Capabilities capabilities();

  /**
   * Takes the exclusive right to write the log; called once by a writer's open before anything else.
   * A store may adopt older layouts here (a file store renames a single legacy file to the first
   * segment), since only a writer may change anything.
   *
   * @param takeOver whether to break a claim another writer holds (a lease after a crash, for a
   *     restarted job that knows the previous holder is dead); a store that cannot ignores it
   * @return the claim, held until closed or lost
   * @throws ClaimRefusedException when another writer holds the log
   * @throws IOException when the store cannot be reached
   */
  WriterClaim claim(boolean takeOver) throws IOException;

  /**
   * The segments the store holds, by ascending number. Each length is what is readable as log (for
   * a store that cannot truncate, the valid length a {@link #dropTail} recorded).
   *
   * @return the segments, oldest first; empty for a new log
   * @throws SegmentCorruptedException when a segment's own marks are damaged
   * @throws IOException when the store cannot be reached
   */
  List<SegmentInfo> list() throws IOException;

  /**
   * Creates an empty segment, durably: once this returns, a crash keeps it (a file store fsyncs the
   * directory). The log fsyncs the segment before it ({@link #sync}) first, so a segment that is not
   * the newest is always whole.
   *
   * @param number the new segment's number, above every existing one
   * @return the new segment, of length 0
   * @throws java.nio.file.FileAlreadyExistsException when a segment of that number exists
   * @throws ClaimLostException when this writer lost its claim
   * @throws IOException when the store cannot do it
   */
  SegmentInfo create(long number) throws IOException;

  /**
   * Appends {@code bytes} (all remaining) to {@code segment} if it ends exactly at
   * {@code expectedOffset}; durable once {@link #sync} returns (or on return, for stores whose
   * appends are). Atomic where the store is (an append block lands whole or not at all); elsewhere a
   * crash before {@code sync} may keep any prefix of it, which the log's replay finds as a torn tail.
   * A store whose request may have landed although the call failed (a timeout, a retry answered
   * 412) must find out before returning, by reading the tail back, and never append the same bytes
   * twice.
   *
   * @param segment the newest segment
   * @param expectedOffset where the log expects the segment to end
   * @param bytes the bytes to append, at most {@link Capabilities#maxAppendBytes}; consumed
   * @throws AppendPositionException when the segment does not end at {@code expectedOffset}; nothing
   *     was written
   * @throws ClaimLostException when this writer lost its claim
   * @throws IOException when the store cannot do it; what landed is unknown
   */
  void append(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException;

  /**
   * Makes every byte appended to {@code segment} so far durable (fsync); a no-op for stores whose
   * appends are durable on return. After a failed sync the log trusts nothing it wrote since the
   * last good one.
   *
   * @param segment a segment this writer appended to
   * @throws IOException when the store cannot do it
   */
  void sync(SegmentInfo segment) throws IOException;

  /**
   * Opens a segment for reading.
   *
   * @param segment a segment from {@link #list} or {@link #create}
   * @return a reader, to be closed by the caller
   * @throws java.nio.file.NoSuchFileException when the segment no longer exists
   * @throws IOException when the store cannot be reached
   */
  SegmentReader open(SegmentInfo segment) throws IOException;

  /**
   * Drops the bytes of {@code segment} from {@code validLength} on, durably: a torn tail the log
   * found on open. A store that can truncate cuts them off; one that cannot records the valid
   * length, so that later lists and readers end there, and the log then rolls to a new segment.
   *
   * @param segment the newest segment
   * @param validLength where the last whole record ends
   * @return true when the segment was truncated and may be appended to at {@code validLength};
   *     false when it was only marked and must not be appended to again
   * @throws ClaimLostException when this writer lost its claim
   * @throws IOException when the store cannot do it
   */
  boolean dropTail(SegmentInfo segment, long validLength) throws IOException;

  /**
   * Deletes a segment, durably, before returning: the log deletes oldest first and relies on a
   * crash never keeping an older segment whose newer neighbour was deleted. Deleting a segment that
   * is already gone is not an error.
   *
   * @param segment an older segment, never the newest
   * @throws ClaimLostException when this writer lost its claim
   * @throws IOException when the store cannot do it
   */
  void delete(SegmentInfo segment) throws IOException;

  /**
   * Moves a damaged segment aside, durably, where people can look at it and the log no longer
   * lists it. Only when {@link Capabilities#canQuarantine()}.
   *
   * @param segment the damaged segment
   * @return where it went, for messages
   * @throws UnsupportedOperationException when the store has no quarantine
   * @throws IOException when the store cannot do it
   */
  default String quarantine(SegmentInfo segment) throws IOException {
    throw new UnsupportedOperationException(description() + " has no quarantine");
  }

  /**
   * Records, durably, that the loss of numbers {@code first..last} was accepted, so later opens
   * (read-only ones too) open past that gap with a warning instead of refusing. Only when
   * {@link Capabilities#canQuarantine()}.
   *
   * @param first the first missing number
   * @param last the last missing number
   * @param why a sentence for people, stored beside the mark
   * @return where it was recorded, for messages
   * @throws UnsupportedOperationException when the store has no quarantine
   * @throws IOException when the store cannot do it
   */
  default String recordAcceptedGap(long first, long last, String why) throws IOException {
    throw new UnsupportedOperationException(description() + " has no quarantine");
  }

  /**
   * The gaps whose loss earlier opens accepted ({@link #recordAcceptedGap}).
   *
   * @return the accepted ranges, in any order; empty for stores without quarantine
   * @throws IOException when the store cannot be reached
   */
  default List<AcceptedGap> acceptedGaps() throws IOException {
    return List.of();
  }

  /**
   * Releases what the store holds open (file channels, clients it created). Does not release a
   * {@link WriterClaim}: the log closes that itself, after its last write.
   *
   * @throws IOException when releasing fails
   */
  @Override
  void close() throws IOException;
}
