package io.dualpush.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fence files of a {@link FileSystemDestination}: per key, the fencing token that last acted on it,
 * under {@code DIR/.dualpush/fence/<2 hex>/<64 hex>} (the SHA-256 of the key, as the sidecars), and the
 * lock that makes a fenced write's check and commit one step. A file lock is held by a whole JVM (a
 * second channel of the same JVM asking for it fails rather than waits), so a holder first takes a lock
 * within the JVM, striped by the fence file's path and shared by every instance, then the exclusive
 * {@link FileLock} that another process sharing the directory waits for.
 *
 * <p>The token is written in place as a fixed-width decimal and fsynced: never truncated first, so a crash
 * cannot leave an empty file that would let an older holder in. Thread-safe.
 */
final class Fences {
  /** Locks within this JVM, by fence file path: many keys share one, which only serialises a little more. */
  private static final ReentrantLock[] STRIPES = new ReentrantLock[256];
  /** A token's width: Long.MAX_VALUE has 19 digits, plus a newline. */
  private static final int WIDTH = 20;

  static {
    for (int i = 0; i < STRIPES.length; i++) {
      STRIPES[i] = new ReentrantLock();
    }
  }

  private final Path dir;
  private final Containment containment;

  Fences(Path dir, Containment containment) {
    this.dir = dir;
    this.containment = containment;
  }

  /** The fence file of {@code key}. */
  Path fenceOf(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      String hex = HexFormat.of().formatHex(digest);
      return dir.resolve(hex.substring(0, 2)).resolve(hex);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  /** Takes the fence of {@code key}, waiting for any other thread or process holding it. */
  Held hold(String key) throws IOException {
    Path file = fenceOf(key);
    containment.requireContained(key, file.getParent());
    ReentrantLock lock = STRIPES[Math.floorMod(file.toAbsolutePath().hashCode(), STRIPES.length)];
    lock.lock();
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      FileLock fileLock = ch.lock();
      return new Held(ch, fileLock, lock);
    } catch (IOException | RuntimeException | Error e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      lock.unlock();
      throw e;
    }
  }

  /** A held fence: read and raise its token, then close to let the next holder in. */
  static final class Held implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock fileLock;
    private final ReentrantLock lock;

    private Held(FileChannel channel, FileLock fileLock, ReentrantLock lock) {
      this.channel = channel;
      this.fileLock = fileLock;
      this.lock = lock;
    }

    /** The token recorded, or 0 when none (a new or empty file). */
    long token() throws IOException {
      ByteBuffer buf = ByteBuffer.allocate(WIDTH);
      // A positional read advances the buffer, not the channel.
      while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
        continue;
      }
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
      if (text.isEmpty()) {
        return 0;
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IOException("fence file holds no token: '" + text + "'", e);
      }
    }

    /** Records {@code token}, durably, before the write it fences commits. */
    void set(long token) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(String.format("%019d\n", token).getBytes(StandardCharsets.US_ASCII));
      int at = 0;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      channel.force(false);
    }

    @Override
    public void close() {
      try {
        fileLock.release();
      } catch (IOException e) {
        // Closing the channel below releases it in any case.
      }
      try {
        channel.close();
      } catch (IOException e) {
        // Nothing was left to write: the token was forced when set.
      } finally {
        lock.unlock();
      }
    }
  }
}
