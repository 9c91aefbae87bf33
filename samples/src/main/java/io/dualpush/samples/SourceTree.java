package io.dualpush.samples;

import io.dualpush.InvalidInputException;
import io.dualpush.ObjectKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;

/**
 * Walks {@code SOURCE_DIR} one entry at a time (nothing is held for the whole tree, so a tree of
 * any size pushes in bounded memory) and sorts every entry into a file to push or an entry that
 * cannot be pushed, with the reason. Nothing is passed over silently:
 *
 * <ul>
 *   <li>a regular file, or a symbolic link to one, is pushed under its relative path;</li>
 *   <li>a symbolic link to a directory is not followed (it could loop, or lead out of the tree);
 *       a broken link, a FIFO, a socket or a device is not a file: each is <em>skipped</em>;</li>
 *   <li>a name that is not valid in the platform's file-name encoding (bytes that are not UTF-8
 *       under a UTF-8 locale) has no lossless key: two such names could become the same key, so
 *       it is skipped and shown with its raw bytes percent-escaped ({@code r%FF});</li>
 *   <li>a name that breaks the key rules ({@link ObjectKeys}), including the reserved top-level
 *       {@code .dualpush}, is skipped naming the rule;</li>
 *   <li>a directory that cannot be listed is skipped naming the error.</li>
 * </ul>
 * The root itself is followed when it is a symbolic link: the caller passes its real path.
 */
final class SourceTree {
  /** A file to push. */
  record Item(Path file, String key, long size) {}

  /** What the walk found, one entry at a time. */
  interface Sink {
    /** A file to push. May block (a window of pushes in flight). */
    void file(Item item) throws InterruptedException;

    /** An entry that is not pushed, named as the user would find it, and why. */
    void skipped(String path, String reason);
  }

  private SourceTree() {}

  static void walk(Path root, Sink sink) throws InterruptedException {
    try {
      Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
          new Visitor(root, sink));
    } catch (InterruptedWalk e) {
      throw e.cause;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Carries an interrupt out of the visitor, whose methods may only throw IOException. */
  private static final class InterruptedWalk extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient InterruptedException cause;

    InterruptedWalk(InterruptedException cause) {
      super(null, null, false, false);
      this.cause = cause;
    }
  }

  private static final class Visitor implements FileVisitor<Path> {
    private final Path root;
    private final Sink sink;

    Visitor(Path root, Sink sink) {
      this.root = root;
      this.sink = sink;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
      if (dir.equals(root)) {
        return FileVisitResult.CONTINUE;
      }
      String why = nameProblem(dir);
      if (why == null && root.relativize(dir).toString().equals(".dualpush")) {
        why = "directory under the reserved name '.dualpush' (keys under .dualpush/ are refused)";
      }
      if (why != null) {
        sink.skipped(display(dir) + "/", why);
        return FileVisitResult.SKIP_SUBTREE;
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
      String why = nameProblem(file);
      if (why != null) {
        sink.skipped(display(file), why);
        return FileVisitResult.CONTINUE;
      }
      long size;
      if (attrs.isRegularFile()) {
        size = attrs.size();
      } else if (attrs.isSymbolicLink()) {
        BasicFileAttributes target;
        try {
          target = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
          sink.skipped(display(file), "broken symbolic link (" + e.getClass().getSimpleName() + ")");
          return FileVisitResult.CONTINUE;
        }
        if (target.isDirectory()) {
          sink.skipped(display(file), "symbolic link to a directory (not followed)");
          return FileVisitResult.CONTINUE;
        }
        if (!target.isRegularFile()) {
          sink.skipped(display(file), "symbolic link to something that is not a regular file");
          return FileVisitResult.CONTINUE;
        }
        size = target.size();
      } else {
        sink.skipped(display(file), "not a regular file (a FIFO, socket or device)");
        return FileVisitResult.CONTINUE;
      }
      String key = keyOf(file);
      try {
        ObjectKeys.validate(key);
      } catch (InvalidInputException e) {
        sink.skipped(display(file), "not a valid key: " + e.getMessage());
        return FileVisitResult.CONTINUE;
      }
      try {
        sink.file(new Item(file, key, size));
      } catch (InterruptedException e) {
        throw new InterruptedWalk(e);
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) {
      sink.skipped(display(file), "cannot be read: " + e.getClass().getSimpleName()
          + (e.getMessage() == null || e.getMessage().equals(file.toString()) ? "" : " " + e.getMessage()));
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException e) {
      if (e != null) {
        sink.skipped(display(dir) + "/", "listing stopped: " + e.getClass().getSimpleName() + " " + e.getMessage());
      }
      return FileVisitResult.CONTINUE;
    }

    private String keyOf(Path file) {
      StringBuilder key = new StringBuilder();
      for (Path part : root.relativize(file)) {
        if (key.length() > 0) {
          key.append('/');
        }
        key.append(part);
      }
      return key.toString();
    }

    /** The relative path as the user would type it; raw bytes percent-escaped when it has no lossless text form. */
    private String display(Path p) {
      if (lossless(p.getFileName()) && lossless(root.relativize(p))) {
        return keyOf(p);
      }
      String raw = p.toUri().getRawPath();
      String base = root.toUri().getRawPath();
      return raw.startsWith(base) ? raw.substring(base.length()).replaceAll("/$", "") : raw;
    }
  }

  /** Why {@code p}'s own name cannot become part of a key, or null. */
  private static String nameProblem(Path p) {
    Path name = p.getFileName();
    if (name != null && !lossless(name)) {
      return "file name is not valid in the platform's encoding (" + System.getProperty("sun.jnu.encoding", "?")
          + "): it has no lossless key, and two such names could become one key";
    }
    return null;
  }

  /**
   * Whether the text form of {@code p} names the same bytes: a name with bytes the platform's
   * encoding cannot decode is read with replacement characters, and the text no longer leads back.
   */
  static boolean lossless(Path p) {
    try {
      return p.getFileSystem().getPath(p.toString()).equals(p);
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }
}
