package io.dualpush.local;

import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The sidecars of a {@link FileSystemDestination}: one file per key under
 * {@code DIR/.dualpush/meta/<2 hex>/<64 hex>}, named by the SHA-256 of the key, holding the key, its
 * MD5, its metadata and the stamp of the file it describes. Kept apart from the destination because
 * the layout and the rules for when a sidecar may be trusted (the stamp, the racily-clean tick) are
 * one concern that the write and read paths only consult. A lost, stale or foreign sidecar only
 * makes head() re-hash the file, so nothing here is fsynced.
 *
 * <p>Stateless apart from its directories; thread-safe.
 */
final class Sidecars {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final Path meta;
  private final Path tmp;
  private final Containment containment;

  /**
   * @param meta the directory holding the sidecars
   * @param tmp the directory a sidecar is written in before it is renamed into place
   * @param containment the link checks every sidecar path goes through
   */
  Sidecars(Path meta, Path tmp, Containment containment) {
    this.meta = meta;
    this.tmp = tmp;
    this.containment = containment;
  }

  /** The sidecar of {@code key}: a fixed-length name, whatever the key's length or shape. */
  Path metaOf(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      String hex = HexFormat.of().formatHex(digest);
      // A level of 256 directories keeps any one directory small when a destination holds millions of keys.
      return meta.resolve(hex.substring(0, 2)).resolve(hex);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  /**
   * Writes the sidecar of a put just renamed to {@code target}, unless the file there is no longer
   * {@code ours} (the identity of the bytes this put wrote).
   */
  void write(WriteRequest request, Path target, Object ours, String md5, long size) throws IOException {
    String stamp = stamp(target);
    if (ours != null && !stamp.endsWith("/" + ours)) {
      // A concurrent put replaced the file since our rename: a sidecar with our digest and its stamp
      // would vouch for bytes we did not write. That put writes its own sidecar.
      return;
    }
    Properties p = new Properties();
    p.setProperty("key", request.key());
    p.setProperty("md5", md5);
    p.setProperty("size", Long.toString(size));
    p.setProperty("stamp", stamp);
    p.setProperty("contentType", request.contentType());
    p.setProperty("transactionId", request.transactionId());
    p.setProperty("datasetId", request.datasetId());
    request.fencingToken().ifPresent(t -> p.setProperty("fencingToken", Long.toString(t)));
    request.metadata().forEach((k, v) -> p.setProperty("meta." + k, v));
    Path sidecar = metaOf(request.key());
    containment.requireContained(request.key(), sidecar.getParent());
    Path temp = tmp.resolve(UUID.randomUUID() + ".meta");
    try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW)) {
      p.store(out, null);
    }
    // Not fsynced: a lost or stale sidecar only makes head() re-hash the file.
    FileSystemDestination.move(temp, sidecar);
  }

  /**
   * What changes whenever the file's bytes may have: its size, modification and (where the platform
   * has one) change time, and its identity. A change time cannot be set back by hand the way a
   * modification time can.
   */
  static String stamp(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW);
    return a.size() + "/" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "/"
        + changeTime(file, a).to(TimeUnit.NANOSECONDS) + "/" + a.fileKey();
  }

  private static FileTime changeTime(Path file, BasicFileAttributes a) throws IOException {
    try {
      return (FileTime) Files.getAttribute(file, "unix:ctime", NOFOLLOW);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return a.lastModifiedTime();
    }
  }

  /**
   * Whether the sidecar was written in a later tick of the file system's clock than the file's last
   * change. If not, the file may have changed again within that same tick after the sidecar's stamp
   * was taken, leaving the stamp unchanged ("racily clean", as git calls it), so only its bytes can
   * tell.
   */
  boolean newerThanLastChange(String key, Path target) throws IOException {
    BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, NOFOLLOW);
    return Files.getLastModifiedTime(metaOf(key)).compareTo(changeTime(target, a)) > 0;
  }

  /**
   * Moves a sidecar's modification time to the file system's clock by appending an empty comment
   * line; unlike a rewrite, this cannot clobber a sidecar a concurrent put just replaced, nor bring
   * back one a concurrent delete removed.
   */
  static void touch(Path sidecar) {
    try {
      Files.write(sidecar, new byte[] {'#', '\n'}, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // Only an optimisation: head() re-hashes until a sidecar is newer than the file.
    }
  }

  /** The sidecar of {@code key} as written, or null when there is none that vouches for this key. */
  Properties read(String key) throws IOException {
    Path sidecar = metaOf(key);
    if (!containment.readable(sidecar)) {
      // A sidecar reached through a link that leaves the directory vouches for nothing.
      return null;
    }
    try (InputStream in = Containment.openNoFollow(sidecar)) {
      Properties p = new Properties();
      p.load(in);
      // Names are hashes: a sidecar of another key (a collision, or a file copied in) vouches for nothing.
      return key.equals(p.getProperty("key")) ? p : null;
    } catch (NoSuchFileException | Containment.LinkAtFinalPath e) {
      return null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
