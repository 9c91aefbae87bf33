package io.dualpush.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional reads of one segment, opened by {@link SegmentStore#open(SegmentInfo)}. The log reads
 * each segment front to back on open, and reads a torn-looking tail again (read-only opens follow a
 * writer that is still appending), so {@link #size()} must report growth that happened after the
 * reader was opened. The log reads sequentially, a few MiB at a time, except when it probes the
 * bytes after a damaged record; a store may fetch ahead (an append-blob store downloads large ranges)
 * as long as {@code size()} stays current.
 *
 * <p>Used by one thread at a time.
 */
public interface SegmentReader extends Closeable {

  /**
   * How many bytes the segment holds now. For a store that cannot truncate, at most the valid
   * length a {@link SegmentStore#dropTail} recorded: bytes beyond it are not log.
   *
   * @return the current readable length
   * @throws IOException when the store cannot be reached
   */
  long size() throws IOException;

  /**
   * Reads bytes at {@code position} into {@code dst}, as {@link java.nio.channels.FileChannel#read(ByteBuffer, long)}:
   * at least one byte unless {@code dst} is full or the segment ends at {@code position}.
   *
   * @param dst where to put the bytes
   * @param position the offset in the segment, 0 or more
   * @return how many bytes were read, or -1 at or past the end
   * @throws java.nio.file.NoSuchFileException when the segment was deleted meanwhile (by a writer's
   *     compaction, seen from a read-only open)
   * @throws IOException when the store cannot be reached
   */
  int read(ByteBuffer dst, long position) throws IOException;
}
