package io.dualpush.local;

import io.dualpush.DestinationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The rule that {@link FileSystemDestination} never writes, reads or deletes through a symbolic link
 * leading out of its directory, kept apart from the write and read paths so the one place that
 * decides what "inside" means can be read, and reviewed, on its own. Links that stay inside are
 * followed; a link at a key's final path holds no object. Guards against links present in the
 * tree, not against another process swapping a checked directory for a link during a put.
 *
 * <p>Stateless apart from the root; thread-safe.
 */
final class Containment {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final Path root;
  private final String destination;

  /**
   * @param root the destination's real path, under which everything must resolve
   * @param destination the destination's description, for the messages of failures
   */
  Containment(Path root, String destination) {
    this.root = root;
    this.destination = destination;
  }

  /**
   * Creates {@code dir} and its missing ancestors under the root, or fails permanently when one of
   * them leads out of it. Unlike {@link Files#createDirectories}, which follows links, it checks each
   * existing directory before creating anything inside it, so nothing is created outside either.
   */
  void requireContained(String key, Path dir) throws IOException {
    Path escape = firstEscape(dir, true);
    if (escape != null) {
      throw escaped(key, escape);
    }
  }

  /**
   * The first path from the root down to {@code dir} whose real path is not under the root (a link
   * leading out, or one leading nowhere), or null when all of them stay inside. With {@code create},
   * missing directories are created on the way, each checked after its creation.
   *
   * @throws NoSuchFileException without {@code create}, when a directory on the way is missing
   *     (after every existing one above it was found inside)
   */
  Path firstEscape(Path dir, boolean create) throws IOException {
    // One lstat per name below the root (itself a real path): resolving the whole path instead
    // (toRealPath, realpath(3)) costs a readlink and a stat for every name from "/", several times
    // per put, which doubled the system time of a push of many small files.
    Path p = root;
    for (Path name : root.relativize(dir)) {
      p = p.resolve(name);
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
      } catch (NoSuchFileException e) {
        if (!create) {
          throw e;
        }
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException x) {
          // A concurrent put created it; it is checked below like any other.
        }
        a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
      }
      if (a.isSymbolicLink()) {
        // Rare: only a link needs resolving, to tell one that stays inside from one leading out.
        Path real;
        try {
          real = p.toRealPath();
        } catch (NoSuchFileException e) {
          return p;
        }
        if (!real.startsWith(root)) {
          return p;
        }
        if (create && !Files.isDirectory(real)) {
          throw new NotDirectoryException(p.toString());
        }
      } else if (!a.isDirectory()) {
        if (create) {
          // An object where a directory of the key would be: no retry can make room for it.
          throw new NotDirectoryException(p.toString());
        }
        throw new NoSuchFileException(p.toString());
      }
    }
    return null;
  }

  /** The first path leading out among the existing directories on the way to {@code dir}, creating nothing. */
  Path escapeSoFar(Path dir) throws IOException {
    try {
      return firstEscape(dir, false);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** A permanent failure naming the key and the link through which it would leave the directory. */
  DestinationException escaped(String key, Path link) {
    String what;
    try {
      what = "a symbolic link to '" + Files.readSymbolicLink(link) + "'";
    } catch (IOException | UnsupportedOperationException e) {
      what = "a path";
    }
    try {
      what += " that resolves to '" + link.toRealPath() + "'";
    } catch (IOException e) {
      what += " that leads nowhere";
    }
    return new DestinationException(destination, false, "Cannot write '" + key + "' in " + destination + ": '"
        + link + "' is " + what + ", outside the destination directory; dualpush never writes through such a link.");
  }

  /**
   * Whether {@code target}'s directory lies under the root and {@code target} is not itself a link,
   * i.e. whether it may be read or deleted as the object under its key.
   */
  boolean readable(Path target) throws IOException {
    if (!Files.isDirectory(target.getParent())) {
      // Missing, or an object where a directory of the key would be: either way nothing is stored.
      return false;
    }
    try {
      return firstEscape(target.getParent(), false) == null && !Files.isSymbolicLink(target);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /**
   * Opens {@code target} for reading without following a link at the final path (O_NOFOLLOW), so a
   * link swapped in after {@link #readable} was checked is not read through either.
   */
  static InputStream openNoFollow(Path target) throws IOException {
    try {
      return Files.newInputStream(target, NOFOLLOW);
    } catch (FileSystemException e) {
      if (!(e instanceof NoSuchFileException) && Files.isSymbolicLink(target)) {
        throw new LinkAtFinalPath(target);
      }
      throw e;
    }
  }

  /** The final path became a link between the check and the open: there is no object to read. */
  static final class LinkAtFinalPath extends IOException {
    private static final long serialVersionUID = 1L;

    LinkAtFinalPath(Path target) {
      super(target + " is a symbolic link");
    }
  }
}
