package io.dualpush.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * How two local directories relate on disk, judged by what they are rather than how they are
 * spelled: symbolic links are resolved, and each directory and its ancestors are compared by device
 * and inode, so a bind mount or a second mount of the same file system is recognised as the same
 * place. Used to refuse a destination, a transaction log or a source that would overlap another
 * before anything is written.
 *
 * <pre>{@code
 * if (LocalDirectories.relation(logDir, destinationDir) != LocalDirectories.Relation.APART) { ... }
 * }</pre>
 *
 * <p>Stateless and thread-safe. On a platform that gives files no identity (no {@code fileKey}),
 * real paths are compared instead.
 */
public final class LocalDirectories {
  /** How a directory {@code a} relates to a directory {@code b}. */
  public enum Relation {
    /** One directory, however named. */
    SAME,
    /** {@code a} lies somewhere under {@code b}. */
    INSIDE,
    /** {@code b} lies somewhere under {@code a}. */
    CONTAINS,
    /** Neither holds the other. */
    APART;

    /**
     * Words that put this relation between two paths in a message.
     *
     * @return the phrase that reads "{@code a} <i>phrase</i> {@code b}", such as "is inside"
     */
    public String phrase() {
      return switch (this) {
        case SAME -> "is the same directory as";
        case INSIDE -> "is inside";
        case CONTAINS -> "contains";
        case APART -> "is apart from";
      };
    }
  }

  private LocalDirectories() {}

  /**
   * How {@code a} relates to {@code b}. A path that does not exist yet is judged by its nearest
   * existing ancestor's identity plus the rest of its name, so a log directory that {@code push}
   * would create is judged where it would be created.
   *
   * @param a a directory, existing or not
   * @param b another directory, existing or not
   * @return {@code a}'s relation to {@code b}
   * @throws IOException when a path cannot be resolved
   */
  public static Relation relation(Path a, Path b) throws IOException {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Path ra = resolve(a);
    Path rb = resolve(b);
    Object ka = key(ra);
    Object kb = key(rb);
    if (ka != null && ka.equals(kb) || ra.equals(rb)) {
      return Relation.SAME;
    }
    if (hasAncestor(ra, rb, kb)) {
      return Relation.INSIDE;
    }
    if (hasAncestor(rb, ra, ka)) {
      return Relation.CONTAINS;
    }
    return Relation.APART;
  }

  /** Whether {@code dir}'s proper ancestors include {@code other} (by identity, else by path). */
  private static boolean hasAncestor(Path dir, Path other, Object otherKey) throws IOException {
    for (Path p = dir.getParent(); p != null; p = p.getParent()) {
      Object k = key(p);
      if (otherKey != null && otherKey.equals(k) || p.equals(other)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The real path of {@code p}, or, when it does not exist, the real path of its nearest existing
   * ancestor with the missing names appended.
   */
  static Path resolve(Path p) throws IOException {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
  }

  private static Object key(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
  }
}
