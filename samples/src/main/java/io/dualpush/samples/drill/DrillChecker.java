package io.dualpush.samples.drill;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks, from the files themselves and not from any region's word, that every push of a drill is at every
 * destination directory with the MD5 of the content the producer sent, and that nothing else was written under the
 * drill's prefix. Stateless; thread-safe.
 */
final class DrillChecker {
  private DrillChecker() {}

  /**
   * What the destinations hold, compared with what was pushed. Immutable.
   *
   * @param verified pushes present at every destination with the expected MD5
   * @param missing "DESTINATION: KEY" for each push absent from a destination
   * @param corrupted "DESTINATION: KEY (md5 X, expected Y)" for each copy with other content
   * @param unexpected "DESTINATION: KEY" for each object under the prefix that was never pushed
   */
  record Result(int verified, List<String> missing, List<String> corrupted, List<String> unexpected) {
    Result {
      missing = List.copyOf(missing);
      corrupted = List.copyOf(corrupted);
      unexpected = List.copyOf(unexpected);
    }

    /** Pushes not verified everywhere: missing or corrupted somewhere (a key counts once). */
    int lost(int pushed) {
      return pushed - verified;
    }
  }

  /**
   * Reads every expected key back from every destination and lists what else is under the prefix.
   *
   * @param expected key to the hex MD5 of the content pushed under it
   * @param destinations destination id to its directory ({@code FileSystemDestination} stores key K at DIR/K)
   * @param prefix the drill's key prefix, such as {@code drill-RUN/}; objects outside it are not looked at
   */
  static Result check(Map<String, String> expected, Map<String, Path> destinations, String prefix) {
    Objects.requireNonNull(expected, "expected");
    List<String> missing = new ArrayList<>();
    List<String> corrupted = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    int verified = 0;
    for (Map.Entry<String, String> push : new java.util.TreeMap<>(expected).entrySet()) {
      boolean everywhere = true;
      for (Map.Entry<String, Path> d : destinations.entrySet()) {
        String md5 = md5(d.getValue().resolve(push.getKey()));
        if (md5 == null) {
          missing.add(d.getKey() + ": " + push.getKey());
          everywhere = false;
        } else if (!md5.equals(push.getValue())) {
          corrupted.add(d.getKey() + ": " + push.getKey() + " (md5 " + md5 + ", expected " + push.getValue() + ")");
          everywhere = false;
        }
      }
      if (everywhere) {
        verified++;
      }
    }
    for (Map.Entry<String, Path> d : destinations.entrySet()) {
      for (String key : keysUnder(d.getValue(), prefix)) {
        if (!expected.containsKey(key)) {
          unexpected.add(d.getKey() + ": " + key);
        }
      }
    }
    return new Result(verified, missing, corrupted, unexpected);
  }

  /** The keys of the regular files under {@code DIR/prefix}, with '/' separators. */
  static TreeSet<String> keysUnder(Path dir, String prefix) {
    TreeSet<String> keys = new TreeSet<>();
    Path root = dir.resolve(prefix);
    if (!Files.isDirectory(root)) {
      return keys;
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile)
          .forEach(f -> keys.add(dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
    return keys;
  }

  /** The hex MD5 of a file's bytes, or null when there is no such file. */
  static String md5(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("MD5");
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from this JDK", e);
    }
  }

  /** The hex MD5 of bytes. */
  static String md5(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from this JDK", e);
    }
  }
}
