package io.dualpush.local;

import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.ObjectKeys;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A destination in a local directory: key {@code a/b.csv} is stored at {@code DIR/a/b.csv} exactly,
 * so other tools can read it. Everything else it keeps (digests, metadata, temporary files) lives
 * under {@code DIR/.dualpush/}.
 *
 * <p>Writes are atomic: the bytes go to a temporary file under {@code DIR/.dualpush/tmp}, are
 * fsynced, and are renamed over the final path, so a crash never leaves a torn object there. The
 * MD5 is computed from the bytes as they are written and kept in a sidecar with the file's size,
 * modification and change time and identity; when the file changes behind dualpush's back the
 * sidecar no longer matches and {@link #head} re-hashes the file instead of trusting it. A sidecar
 * written in the same tick of the file system's clock as the file's last change proves nothing
 * (the file could change again within that tick), so it is trusted only once a later head() has
 * re-hashed the file in a later tick.
 *
 * <p>A sidecar is named by the SHA-256 of its key, {@code DIR/.dualpush/meta/<2 hex>/<64 hex>}, so
 * its name fits any file system's name limit and never collides with another key's; it holds its
 * key, and one holding another key is ignored. A missing or ignored sidecar (including those of
 * the earlier {@code <key>.meta} layout, which are no longer read) only makes head() re-hash the
 * file.
 *
 * <p>Temporary files a crashed put left behind are deleted by the first put of each instance once
 * they have not been modified for an hour (a put in progress, in this process or another, keeps
 * its file fresh); nothing else is ever removed from {@code DIR/.dualpush/tmp}.
 *
 * <p>It never writes, reads or deletes through a symbolic link that leads out of its directory: a
 * key's directories (and those it creates on the way) must resolve under the directory's real
 * path, or a put fails permanently naming the link, and head, get and delete see no object. A link
 * that stays inside is followed. A key whose final path is itself a link holds no object (head and
 * get see none, delete leaves the link); a put replaces the link by its rename, never writing
 * through it. These checks guard against links present in the tree, not against another process
 * swapping a checked directory for a link during a put.
 *
 * <p>Fencing (guarantee G6): the token of the last fenced write of a key is kept in its fence file,
 * {@code DIR/.dualpush/fence/<2 hex>/<64 hex>} (named as the sidecars are, fsynced, never deleted, so a
 * deleted object keeps fencing out a former holder). A fenced write holds the key's fence — a lock within
 * this JVM and an exclusive {@link java.nio.channels.FileLock} on the fence file, so two processes sharing
 * the directory (two regions' JVMs) take turns — while it checks the token, writes, renames and records,
 * so no older token's content can land after a newer one's was accepted. Writes without a token take no
 * fence and are not checked, as with Azure, and cost what they did.
 *
 * <p>Thread-safe; concurrent writers of one key leave one of the writes whole.
 *
 * <pre>{@code
 * Destination primary = new FileSystemDestination(Path.of("/data/gold-primary"));
 * }</pre>
 */
public final class FileSystemDestination implements Destination {
  private static final String INTERNAL = ".dualpush";
  private static final int BUFFER = 64 * 1024;
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemDestination.class);
  /**
   * How long a temporary file must have gone unmodified before it counts as abandoned. A put in
   * progress, here or in another process sharing the directory, modifies its file with every
   * buffer it writes, so only a source stalled for this long could lose its file; that put then
   * fails its rename and is retried, and no torn object is ever visible. An hour also covers clock
   * differences between the machines of a network file system.
   */
  static final Duration ABANDONED_AFTER = Duration.ofHours(1);

  private final Path root;
  private final Path tmp;
  private final AtomicBoolean swept = new AtomicBoolean();
  private final Containment containment;
  private final Sidecars sidecars;
  private final Fences fences;

  /**
   * A destination storing objects under {@code directory}, which must exist already: a mistyped path must not
   * scatter copies somewhere new.
   *
   * @param directory an existing, writable directory
   * @throws InvalidInputException naming {@code directory} when it does not exist, is not a
   *     directory or is not writable; nothing is created
   */
  public FileSystemDestination(Path directory) {
    InvalidInputException.requireNonNull(directory, "directory");
    Path abs = directory.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      throw new InvalidInputException("directory", "'directory' does not exist: " + abs);
    }
    if (!Files.isDirectory(abs)) {
      throw new InvalidInputException("directory", "'directory' is not a directory: " + abs);
    }
    if (!Files.isWritable(abs)) {
      throw new InvalidInputException("directory", "'directory' is not writable: " + abs);
    }
    try {
      this.root = abs.toRealPath();
    } catch (IOException e) {
      throw new InvalidInputException("directory", "'directory' cannot be resolved: " + abs);
    }
    this.tmp = root.resolve(INTERNAL).resolve("tmp");
    Path meta = root.resolve(INTERNAL).resolve("meta");
    this.containment = new Containment(root, describe());
    this.sidecars = new Sidecars(meta, tmp, containment);
    this.fences = new Fences(root.resolve(INTERNAL).resolve("fence"), containment);
  }

  /**
   * The directory objects are stored in.
   *
   * @return the absolute, normalised directory
   */
  public Path directory() {
    return root;
  }

  /**
   * True when {@code other} is this instance, or a {@code FileSystemDestination} whose directory is
   * this one, inside it or contains it, as {@link LocalDirectories#relation} judges it: by device
   * and inode, so a symbolic link or a bind mount to the same directory is recognised. When the
   * directories can no longer be examined, their real paths as resolved at construction are
   * compared. Thread-safe.
   */
  @Override
  public boolean overlaps(Destination other) {
    if (other == this) {
      return true;
    }
    if (!(other instanceof FileSystemDestination that)) {
      return false;
    }
    try {
      return LocalDirectories.relation(root, that.root) != LocalDirectories.Relation.APART;
    } catch (IOException e) {
      return root.startsWith(that.root) || that.root.startsWith(root);
    }
  }

  /**
   * Where the object under {@code key} is stored.
   *
   * @param key an object key
   * @return the file that holds, or would hold, the object
   * @throws InvalidInputException naming {@code key} when it is not a valid key
   */
  public Path pathOf(String key) {
    ObjectKeys.validate(key);
    Path p;
    try {
      p = root.resolve(key).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new InvalidInputException("key", "'key' cannot be a file name on this file system: " + e.getReason() + ".");
    }
    if (!p.startsWith(root) || p.equals(root)) {
      throw new InvalidInputException("key", "'key' resolves outside the destination directory: '" + key + "'.");
    }
    return p;
  }

  /**
   * Writes the object atomically. A write carrying a fencing token is checked and committed under the key's
   * fence (see the class comment): refused with {@link StaleFencingTokenException}, leaving the object as it
   * was, when an older token than the one that last acted on the key; accepted when equal or newer, and the
   * newer token is recorded even when the content was identical and nothing was rewritten.
   */
  @Override
  public PutResult put(WriteRequest request) {
    Path target = pathOf(request.key());
    if (request.fencingToken().isPresent()) {
      return putFenced(request, target, request.fencingToken().getAsLong());
    }
    Optional<ObjectInfo> existing = request.replaceIdentical() ? Optional.empty() : head(request.key());
    if (existing.isPresent() && existing.get().md5().map(request.md5()::equals).orElse(false)) {
      return new PutResult(false, request.md5(), Optional.empty());
    }
    return write(request, target);
  }

  @Override
  public boolean supportsFencing() {
    return true;
  }

  /**
   * The token that last acted on {@code key} here: the larger of its fence file's and its sidecar's (written
   * by versions before the fence files), or empty when no fenced write ever touched it.
   *
   * @param key an object key
   * @return the stored fencing token, or empty
   * @throws DestinationException when the fence file cannot be read
   */
  public OptionalLong fencingToken(String key) {
    pathOf(key);
    try (Fences.Held fence = fences.hold(key)) {
      long t = Math.max(fence.token(), sidecarToken(key));
      return t == 0 ? OptionalLong.empty() : OptionalLong.of(t);
    } catch (IOException e) {
      throw classify("read the fencing token of '" + key + "'", e);
    }
  }

  /** check, write and record under the key's fence: one holder at a time, across threads and processes. */
  private PutResult putFenced(WriteRequest request, Path target, long token) {
    try (Fences.Held fence = fences.hold(request.key())) {
      long current = Math.max(fence.token(), sidecarToken(request.key()));
      if (token < current) {
        throw new StaleFencingTokenException(describe(), request.key(), token, current);
      }
      Optional<ObjectInfo> existing = request.replaceIdentical() ? Optional.empty() : head(request.key());
      boolean identical = existing.isPresent() && existing.get().md5().map(request.md5()::equals).orElse(false);
      if (token > current) {
        // Before the rename: a crash between the two leaves a raised token and the old object, which fences
        // out nothing that should have been let in; the other order could let an older holder in again.
        fence.set(token);
      }
      if (identical) {
        return new PutResult(false, request.md5(), Optional.empty());
      }
      return write(request, target);
    } catch (IOException e) {
      throw classify("fence '" + request.key() + "'", e);
    }
  }

  /** The fencing token the key's sidecar records, or 0. */
  private long sidecarToken(String key) throws IOException {
    Properties p = sidecars.read(key);
    String t = p == null ? null : p.getProperty("fencingToken");
    try {
      return t == null ? 0 : Long.parseLong(t);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Streams the payload to a temporary file and renames it over {@code target}; then the sidecar. */
  private PutResult write(WriteRequest request, Path target) {
    Path temp = null;
    try {
      // Refused before the payload is streamed when a link already on the way leads out; checked
      // again, creating what is missing, just before the rename.
      Path knownEscape = containment.escapeSoFar(target.getParent());
      if (knownEscape != null) {
        throw containment.escaped(request.key(), knownEscape);
      }
      containment.requireContained(request.key(), tmp);
      sweepAbandonedTemporaryFiles();
      temp = tmp.resolve(UUID.randomUUID() + ".part");
      String md5;
      long size;
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(ch);
          Md5.HashingInputStream in = Md5.hashing(request.open())) {
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
          // Checked, not cleared: the caller that interrupted us must still see the interrupt.
          if (Thread.currentThread().isInterrupted()) {
            throw new java.io.InterruptedIOException("write of '" + request.key() + "' interrupted");
          }
          out.write(buf, 0, n);
        }
        out.flush();
        ch.force(true);
        md5 = in.md5();
        size = in.count();
      }
      // Held open until the sidecar is written: while it is open our inode cannot be freed, so a
      // concurrent put's file renamed over ours can never reuse its number and pass for our bytes.
      try (FileChannel pin = FileChannel.open(temp, StandardOpenOption.READ)) {
        // The identity of our bytes, to tell after the rename whether the final path still holds them.
        Object ours = Files.readAttributes(temp, BasicFileAttributes.class).fileKey();
        // Checked last, just before the rename, so a link found on the way stops the write.
        containment.requireContained(request.key(), target.getParent());
        // rename(2) replaces a link at the final path itself; it never writes through it.
        move(temp, target);
        temp = null;
        fsyncDirectory(target.getParent());
        sidecars.write(request, target, ours, md5, size);
      }
      return new PutResult(true, md5, Optional.empty());
    } catch (IOException | UncheckedIOException e) {
      IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
      throw classify("write '" + request.key() + "'", io);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a leftover temp file is harmless: it is never at a final path
        }
      }
    }
  }

  /**
   * Deletes, once per instance, the temporary files (names ending in {@code .part}, {@code .meta} or
   * {@code .tmp}, the only ones this class creates) that have not been modified for
   * {@link #ABANDONED_AFTER}. Done on the first put rather than in the constructor, which writes
   * nothing; failures only leave files for the next instance to sweep.
   */
  private void sweepAbandonedTemporaryFiles() {
    if (!swept.compareAndSet(false, true)) {
      return;
    }
    FileTime cutoff = FileTime.from(Instant.now().minus(ABANDONED_AFTER));
    int deleted = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (!name.endsWith(".part") && !name.endsWith(".meta") && !name.endsWith(".tmp")) {
          continue;
        }
        try {
          BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, NOFOLLOW);
          if (a.isRegularFile() && a.lastModifiedTime().compareTo(cutoff) < 0 && Files.deleteIfExists(f)) {
            deleted++;
          }
        } catch (IOException e) {
          // Gone meanwhile, or not ours to delete: leave it.
        }
      }
    } catch (IOException | DirectoryIteratorException e) {
      LOG.debug("Cannot sweep abandoned temporary files in {}: {}", tmp, e.toString());
    }
    if (deleted > 0) {
      LOG.info("Deleted {} temporary file(s) left in {} by puts that stopped over {} ago", deleted, tmp, ABANDONED_AFTER);
    }
  }

  /** Renames atomically, replacing what is there (a link itself, never its target); shared with the sidecars. */
  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename atomically into " + to.getParent(), e);
    }
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    Path target = pathOf(key);
    try {
      if (!containment.readable(target)) {
        return Optional.empty();
      }
      BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class, NOFOLLOW);
      if (!attributes.isRegularFile()) {
        return Optional.empty();
      }
      long size = attributes.size();
      FileTime mtime = attributes.lastModifiedTime();
      Properties p = sidecars.read(key);
      boolean stampMatches = p != null && Sidecars.stamp(target).equals(p.getProperty("stamp"));
      String md5;
      if (stampMatches && sidecars.newerThanLastChange(key, target)) {
        md5 = p.getProperty("md5");
      } else {
        // The file is not the one dualpush wrote, the sidecar was lost, or it cannot prove the
        // file unchanged since: trust only the bytes. Touching the sidecar first makes it proof
        // for later calls once the clock has moved on: any change after the touch changes the stamp.
        if (stampMatches) {
          Sidecars.touch(sidecars.metaOf(key));
        }
        try (InputStream in = Containment.openNoFollow(target)) {
          md5 = Md5.of(in).base64();
        }
        if (stampMatches && !md5.equals(p.getProperty("md5")) && Sidecars.stamp(target).equals(p.getProperty("stamp"))) {
          // Changed within one tick of its write, so the stamp cannot tell: drop the sidecar. (When
          // the stamp moved, a concurrent put replaced the file and its sidecar is not ours to drop.)
          Files.deleteIfExists(sidecars.metaOf(key));
        }
      }
      // The bytes the sidecar describes, re-hashed if need be: its metadata is theirs even when the file's stamp
      // moved since (touched, copied back with a new time), so a write-ahead copy keeps its message id.
      Map<String, String> metadata = p != null && md5.equals(p.getProperty("md5")) ? metadataOf(p) : Map.of();
      return Optional.of(new ObjectInfo(key, size, Optional.of(md5), Optional.empty(), mtime.toInstant(), metadata));
    } catch (NoSuchFileException | Containment.LinkAtFinalPath e) {
      return Optional.empty();
    } catch (IOException e) {
      throw classify("read '" + key + "'", e);
    }
  }

  /** The user metadata a sidecar holds. */
  private static Map<String, String> metadataOf(Properties p) {
    Map<String, String> metadata = new HashMap<>();
    for (String name : p.stringPropertyNames()) {
      if (name.startsWith("meta.")) {
        metadata.put(name.substring(5), p.getProperty(name));
      }
    }
    return metadata;
  }

  @Override
  public boolean supportsListing() {
    return true;
  }

  /**
   * Walks the directory in key order, pruning every subdirectory that cannot hold a key after
   * {@code startAfter} with the prefix, and stops once the page is full; of any one directory it
   * holds at most {@code limit} names at a time, so memory does not grow with the number of objects.
   * The objects are those {@link #head} sees: {@code DIR/.dualpush/} is skipped, links that lead out
   * of the directory are not followed (nor are links back to a directory being walked), a link at a
   * final path holds no object, and names that are not valid keys are skipped.
   *
   * <p>The bytes are never re-read: an entry's MD5 is the sidecar's when head() would trust it
   * without re-hashing (its stamp matches the file and it was written in a later tick than the file's
   * last change), else empty. Its metadata is the sidecar's whenever the stamp matches, as head()
   * returns it: head() also re-hashes a file whose sidecar was written in the same tick as the file
   * and would drop the metadata if the bytes had changed within that tick, which only reading them
   * could tell; a sidecar written in the same tick as its file is the common case for a fresh put,
   * and a listing that left out its metadata (the message id and dataset of a write-ahead copy)
   * would hide the object from a filtered replay. Size and modification time are the file's.
   */
  @Override
  public List<ObjectInfo> list(String prefix, @Nullable String startAfter, int limit) {
    InvalidInputException.requireNonNull(prefix, "prefix");
    if (limit < 1) {
      throw new IllegalArgumentException("'limit' must be at least 1; got " + limit);
    }
    List<ObjectInfo> page = new ArrayList<>(Math.min(limit, 1024));
    try {
      new Walk(prefix, startAfter, limit, page).directory(root, root, "");
    } catch (IOException | DirectoryIteratorException e) {
      IOException io = e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e;
      throw classify("list '" + prefix + "'", io);
    }
    return page;
  }

  /** One directory entry that may hold listed keys: an object, or a directory to descend into. */
  private record Candidate(String name, Path path, @Nullable Path realDirectory) {
    /** What orders it among its siblings: a directory's keys all start with its name and a '/'. */
    String order() {
      return realDirectory == null ? name : name + "/";
    }
  }

  /** One listing: its bounds and the page it fills. Not thread-safe; one per call. */
  private final class Walk {
    private final String prefix;
    private final @Nullable String startAfter;
    private final int limit;
    private final List<ObjectInfo> page;
    /** Real paths of the directories from the root to the one being walked: a link back to one would loop. */
    private final Set<Path> walking = new HashSet<>();

    Walk(String prefix, @Nullable String startAfter, int limit, List<ObjectInfo> page) {
      this.prefix = prefix;
      this.startAfter = startAfter;
      this.limit = limit;
      this.page = page;
    }

    /** Lists the keys under {@code dir} (reached as {@code rel}, real path {@code real}) in order, until the page is full. */
    void directory(Path dir, Path real, String rel) throws IOException {
      walking.add(real);
      try {
        String after = null;
        while (page.size() < limit) {
          int wanted = limit - page.size();
          List<Candidate> batch = candidates(dir, real, rel, after, wanted);
          for (Candidate c : batch) {
            if (c.realDirectory() != null) {
              directory(c.path(), c.realDirectory(), rel + c.name() + "/");
            } else {
              object(rel + c.name(), c.path());
            }
            if (page.size() >= limit) {
              return;
            }
            after = c.order();
          }
          if (batch.size() < wanted) {
            return; // every candidate of this directory was handled
          }
        }
      } finally {
        walking.remove(real);
      }
    }

    /**
     * The first {@code wanted} entries of {@code dir} after {@code after} (in sibling order) that can
     * hold a listed key, in order; a bounded heap keeps only those while the directory is read.
     */
    private List<Candidate> candidates(Path dir, Path real, String rel, @Nullable String after, int wanted)
        throws IOException {
      Comparator<Candidate> order = Comparator.comparing(Candidate::order, ObjectKeys.ORDER);
      PriorityQueue<Candidate> kept = new PriorityQueue<>(order.reversed());
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path child : entries) {
          String name = child.getFileName().toString();
          if (rel.isEmpty() && name.equals(INTERNAL)) {
            continue;
          }
          Candidate c = candidate(child, name, real);
          if (c == null || (after != null && ObjectKeys.ORDER.compare(c.order(), after) <= 0) || !mayHoldKeys(rel, c)) {
            continue;
          }
          kept.add(c);
          if (kept.size() > wanted) {
            kept.poll();
          }
        }
      } catch (NoSuchFileException | NotDirectoryException e) {
        return List.of(); // removed, or replaced, while we walked: it holds nothing now
      }
      List<Candidate> sorted = new ArrayList<>(kept);
      sorted.sort(order);
      return sorted;
    }

    /** The entry as a candidate, or null when it can hold no object: a link leading out or a link at a final path. */
    private @Nullable Candidate candidate(Path child, String name, Path parentReal) throws IOException {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(child, BasicFileAttributes.class, NOFOLLOW);
      } catch (NoSuchFileException e) {
        return null;
      }
      if (a.isRegularFile()) {
        return new Candidate(name, child, null);
      }
      if (a.isDirectory()) {
        return new Candidate(name, child, parentReal.resolve(name));
      }
      if (!a.isSymbolicLink()) {
        return null; // a pipe, socket or device holds no object
      }
      Path real;
      try {
        real = child.toRealPath();
      } catch (IOException e) {
        return null; // leads nowhere
      }
      // Only a link to a directory that stays inside, outside dualpush's own files, is followed, as head() follows it.
      if (!real.startsWith(root) || real.startsWith(root.resolve(INTERNAL)) || !Files.isDirectory(real, NOFOLLOW)
          || walking.contains(real)) {
        return null;
      }
      return new Candidate(name, child, real);
    }

    /** Whether {@code c} is a listed key, or a directory whose keys may include one, by prefix and startAfter. */
    private boolean mayHoldKeys(String rel, Candidate c) {
      String start = rel + c.order();
      if (c.realDirectory() == null) {
        return start.startsWith(prefix) && (startAfter == null || ObjectKeys.ORDER.compare(start, startAfter) > 0);
      }
      boolean prefixed = start.startsWith(prefix) || prefix.startsWith(start);
      // Every key below starts with `start`: all are after startAfter unless start sorts before it and is not its start.
      boolean after = startAfter == null || ObjectKeys.ORDER.compare(start, startAfter) > 0 || startAfter.startsWith(start);
      return prefixed && after;
    }

    /** Adds the object stored at {@code target} under {@code key}, unless it is gone or not one head() would see. */
    private void object(String key, Path target) throws IOException {
      try {
        ObjectKeys.validate(key);
      } catch (InvalidInputException e) {
        return; // a file no key can name
      }
      try {
        BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, NOFOLLOW);
        if (!a.isRegularFile()) {
          return;
        }
        Properties p = sidecars.read(key);
        boolean stampMatches = p != null && Sidecars.stamp(target).equals(p.getProperty("stamp"));
        Optional<String> md5 = stampMatches && sidecars.newerThanLastChange(key, target)
            ? Optional.ofNullable(p.getProperty("md5"))
            : Optional.empty();
        Map<String, String> metadata = stampMatches ? metadataOf(p) : Map.of();
        page.add(new ObjectInfo(key, a.size(), md5, Optional.empty(), a.lastModifiedTime().toInstant(), metadata));
      } catch (NoSuchFileException | Containment.LinkAtFinalPath e) {
        // deleted while we listed
      }
    }
  }

  @Override
  public Optional<InputStream> get(String key) {
    Path target = pathOf(key);
    try {
      if (!containment.readable(target)) {
        return Optional.empty();
      }
      return Optional.of(Containment.openNoFollow(target));
    } catch (NoSuchFileException | Containment.LinkAtFinalPath e) {
      return Optional.empty();
    } catch (IOException e) {
      throw classify("read '" + key + "'", e);
    }
  }

  @Override
  public boolean delete(String key) {
    Path target = pathOf(key);
    try {
      if (!containment.readable(target)) {
        // Nothing dualpush stored is there: a link is left alone, and nothing outside is touched.
        return false;
      }
      if (containment.readable(sidecars.metaOf(key))) {
        Files.deleteIfExists(sidecars.metaOf(key));
      }
      return Files.deleteIfExists(target);
    } catch (IOException e) {
      throw classify("delete '" + key + "'", e);
    }
  }

  @Override
  public HealthStatus probe() {
    long start = System.nanoTime();
    try {
      if (!Files.isDirectory(root)) {
        return HealthStatus.unhealthy(since(start), "directory missing: " + root);
      }
      Path escape = containment.firstEscape(tmp, true);
      if (escape != null) {
        return HealthStatus.unhealthy(since(start), "internal directory leads outside " + root + ": " + escape);
      }
      Path probe = Files.createTempFile(tmp, "probe", ".tmp");
      Files.delete(probe);
      return HealthStatus.healthy(since(start));
    } catch (IOException | RuntimeException e) {
      return HealthStatus.unhealthy(since(start), "not writable: " + root + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  @Override
  public String describe() {
    return "file:" + root;
  }

  @Override
  public String toString() {
    return "FileSystemDestination{" + root + "}";
  }

  private DestinationException classify(String what, IOException e) {
    boolean permanent = e instanceof AccessDeniedException || e instanceof NotDirectoryException
        || e instanceof FileAlreadyExistsException
        || (e instanceof NoSuchFileException && !Files.isDirectory(root));
    String message = "Cannot " + what + " in " + describe() + ": " + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : " " + e.getMessage());
    return new DestinationException(describe(), !permanent, message, e);
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for fsync; the rename is still atomic there.
    }
  }

}
