package io.dualpush.local;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("FileSystemDestination")
class FileSystemDestinationTest {
  @TempDir
  Path tmp;

  private Path dir;
  private FileSystemDestination destination;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createDirectory(tmp.resolve("dest")).toRealPath();
    destination = new FileSystemDestination(dir);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static WriteRequest request(String key, byte[] bytes) {
    return request(key, bytes, Map.of(), () -> new ByteArrayInputStream(bytes));
  }

  private static WriteRequest request(String key, byte[] bytes, Map<String, String> metadata, ContentOpener opener) {
    return new WriteRequest(key, bytes.length, Md5.of(bytes), "text/csv", metadata, "txn-1", "sales",
        OptionalLong.empty(), opener);
  }

  /** Every path under {@code root}, relative to it, with file sizes and modification times. */
  private static Map<String, String> tree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      Map<String, String> tree = new TreeMap<>();
      paths.forEach(p -> {
        try {
          tree.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir"
              : Files.size(p) + "@" + Files.getLastModifiedTime(p));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> regularFiles(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  /** Where the sidecar of {@code key} lives: DIR/.dualpush/meta/(2 hex)/(SHA-256 hex of the UTF-8 key). */
  private Path sidecarOf(String key) {
    try {
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8(key)));
      return dir.resolve(".dualpush/meta").resolve(hex.substring(0, 2)).resolve(hex);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private List<Path> tempFiles() throws IOException {
    return regularFiles(dir).stream()
        .filter(p -> p.getFileName().toString().endsWith(".part") || p.getFileName().toString().endsWith(".tmp"))
        .collect(Collectors.toList());
  }

  @Nested
  @DisplayName("layout")
  class Layout {

    @Test
    @DisplayName("stores key a/b.csv at DIR/a/b.csv exactly, with its bytes")
    void keyMapsToPath() {
      byte[] bytes = utf8("id,amount\n1,42\n");
      PutResult result = destination.put(request("a/b.csv", bytes));
      assertThat(result.written()).isTrue();
      assertThat(result.md5()).isEqualTo(Md5.of(bytes));
      assertThat(dir.resolve("a").resolve("b.csv")).hasBinaryContent(bytes);
      assertThat(destination.pathOf("a/b.csv")).isEqualTo(dir.resolve("a/b.csv"));
    }

    @Test
    @DisplayName("keeps everything else it writes under DIR/.dualpush/")
    void everythingElseUnderInternalDirectory() throws IOException {
      destination.put(request("a/b.csv", utf8("one")));
      destination.put(request("top.bin", utf8("two"), Map.of("owner", "x"), () -> new ByteArrayInputStream(utf8("two"))));
      destination.put(request("x/y/z/deep.parquet", utf8("three")));
      destination.head("a/b.csv");
      destination.probe();
      List<Path> objects = List.of(dir.resolve("a/b.csv"), dir.resolve("top.bin"), dir.resolve("x/y/z/deep.parquet"));
      assertThat(regularFiles(dir))
          .filteredOn(p -> !objects.contains(p))
          .isNotEmpty()
          .allSatisfy(p -> assertThat(p).startsWith(dir.resolve(".dualpush")));
    }

    @Test
    @DisplayName("stores a unicode key under the same name")
    void unicodeKey() {
      byte[] bytes = utf8("ü");
      destination.put(request("données/日本語.csv", bytes));
      assertThat(dir.resolve("données").resolve("日本語.csv")).hasBinaryContent(bytes);
    }

    @Test
    @DisplayName("streams a payload larger than its buffer and reports its MD5")
    void largePayload() {
      byte[] bytes = new byte[1024 * 1024 + 17];
      new Random(7).nextBytes(bytes);
      assertThat(destination.put(request("big.bin", bytes)).md5()).isEqualTo(Md5.of(bytes));
      assertThat(dir.resolve("big.bin")).hasBinaryContent(bytes);
    }

    @Test
    @DisplayName("head reports size, MD5 and metadata; get streams the bytes; delete removes the object")
    void headGetDelete() throws IOException {
      byte[] bytes = utf8("payload");
      destination.put(request("k/v.txt", bytes, Map.of("owner", "team-a"), () -> new ByteArrayInputStream(bytes)));
      ObjectInfo info = destination.head("k/v.txt").orElseThrow();
      assertThat(info.size()).isEqualTo(bytes.length);
      assertThat(info.md5()).contains(Md5.of(bytes));
      assertThat(info.metadata()).containsEntry("owner", "team-a");
      try (InputStream in = destination.get("k/v.txt").orElseThrow()) {
        assertThat(in.readAllBytes()).isEqualTo(bytes);
      }
      assertThat(destination.delete("k/v.txt")).isTrue();
      assertThat(destination.head("k/v.txt")).isEmpty();
      assertThat(destination.get("k/v.txt")).isEmpty();
      assertThat(destination.delete("k/v.txt")).isFalse();
      assertThat(sidecarOf("k/v.txt")).doesNotExist();
    }

    @Test
    @DisplayName("a key below an existing object cannot be put (permanently) and is no object to head, get and delete")
    void keyBelowAnObject() {
      destination.put(request("a", utf8("an object, not a directory")));
      Throwable thrown = catchThrowable(() -> destination.put(request("a/b", utf8("x"))));
      assertThat(thrown).isInstanceOf(DestinationException.class).hasMessageContaining("a/b");
      assertThat(((DestinationException) thrown).isTransient()).isFalse();
      Throwable deeper = catchThrowable(() -> destination.put(request("a/b/c", utf8("x"))));
      assertThat(deeper).isInstanceOf(DestinationException.class).hasMessageContaining("a/b/c");
      assertThat(((DestinationException) deeper).isTransient()).as(deeper.getMessage()).isFalse();
      assertThat(destination.head("a/b")).isEmpty();
      assertThat(destination.head("a/b/c")).isEmpty();
      assertThat(destination.get("a/b")).isEmpty();
      assertThat(destination.delete("a/b")).isFalse();
      assertThat(dir.resolve("a")).hasContent("an object, not a directory");
    }

    @Test
    @DisplayName("returns the MD5 of the bytes it stored, even when the request claimed another")
    void reportsStoredDigest() {
      byte[] actual = utf8("what the stream gave");
      WriteRequest lying = new WriteRequest("a.txt", actual.length, Md5.of(utf8("something else")), "text/plain",
          Map.of(), "txn", "", OptionalLong.empty(), () -> new ByteArrayInputStream(actual));
      assertThat(destination.put(lying).md5()).isEqualTo(Md5.of(actual));
      assertThat(destination.head("a.txt").orElseThrow().md5()).contains(Md5.of(actual));
    }
  }

  @Nested
  @DisplayName("construction")
  class Construction {

    @Test
    @DisplayName("refuses a missing directory, naming 'directory', and creates nothing")
    void missingDirectory() {
      Path missing = tmp.resolve("missing");
      Map<String, String> before = tree(tmp);
      InvalidInputException e = assertRefused(() -> new FileSystemDestination(missing), "directory");
      assertThat(e.getMessage()).contains(missing.toString());
      assertThat(missing).doesNotExist();
      assertThat(tree(tmp)).isEqualTo(before);
    }

    @Test
    @DisplayName("refuses a regular file, naming 'directory', and leaves it alone")
    void notADirectory() throws IOException {
      Path file = Files.writeString(tmp.resolve("file.txt"), "content");
      Map<String, String> before = tree(tmp);
      assertRefused(() -> new FileSystemDestination(file), "directory");
      assertThat(file).hasContent("content");
      assertThat(tree(tmp)).isEqualTo(before);
    }

    @Test
    @DisplayName("refuses null, naming 'directory'")
    void nullDirectory() {
      assertRefused(() -> new FileSystemDestination(null), "directory");
    }

    @Test
    @DisplayName("writes nothing until the first put")
    void constructionWritesNothing() throws IOException {
      Path empty = Files.createDirectory(tmp.resolve("empty"));
      new FileSystemDestination(empty);
      assertThat(empty).isEmptyDirectory();
    }
  }

  @Nested
  @DisplayName("refuses bad keys, naming 'key', and writes nothing anywhere")
  class BadKeys {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "../escape.csv", "a/../../escape.csv", "/etc/passwd", "C:/x", "a//b", "a/",
        "a\\b", "./a", ".dualpush/meta/a/b.csv.meta", ".dualpush/tmp/x.part", "a\u0000b"})
    void badKey(String key) {
      byte[] bytes = utf8("evil");
      Map<String, String> before = tree(tmp);
      assertRefused(() -> destination.put(request(key, bytes)), "key");
      assertRefused(() -> destination.head(key), "key");
      assertRefused(() -> destination.get(key), "key");
      assertRefused(() -> destination.delete(key), "key");
      assertRefused(() -> destination.pathOf(key), "key");
      assertThat(tree(tmp)).as("nothing written under %s", tmp).isEqualTo(before);
    }

    @Test
    @DisplayName("null, in head, get and delete")
    void nullKey() {
      assertRefused(() -> destination.head(null), "key");
      assertRefused(() -> destination.get(null), "key");
      assertRefused(() -> destination.delete(null), "key");
    }

    @Test
    @DisplayName("an over-long key is refused before anything is written")
    void overLongKey() {
      Map<String, String> before = tree(tmp);
      assertRefused(() -> destination.put(request("k".repeat(1025), utf8("x"))), "key");
      assertThat(tree(tmp)).isEqualTo(before);
    }
  }

  @Nested
  @DisplayName("symbolic links (regression: a link DIR/a -> /elsewhere let key a/b.txt be written to /elsewhere/b.txt)")
  class SymbolicLinks {
    private Path outside;

    @BeforeEach
    void setUpOutside() throws IOException {
      outside = Files.createDirectory(tmp.resolve("elsewhere")).toRealPath();
    }

    private DestinationException refusedWrite(String key) {
      Throwable thrown = catchThrowable(() -> destination.put(request(key, utf8("escaped"))));
      assertThat(thrown).isInstanceOf(DestinationException.class);
      DestinationException e = (DestinationException) thrown;
      assertThat(e.isTransient()).as("a link cannot be retried away: %s", e.getMessage()).isFalse();
      assertThat(e.getMessage()).contains("'" + key + "'");
      return e;
    }

    @Test
    @DisplayName("put through a directory link that leads out fails permanently, naming the key and the link, and writes nothing outside")
    void putThroughEscapingDirectoryLink() throws IOException {
      Path link = Files.createSymbolicLink(dir.resolve("a"), outside);
      Map<String, String> before = tree(outside);

      assertThat(refusedWrite("a/b.txt").getMessage()).contains(link.toString()).contains(outside.toString());
      assertThat(refusedWrite("a/x/y/deep.txt").getMessage()).contains(link.toString());
      AtomicBoolean opened = new AtomicBoolean();
      Throwable unstreamed = catchThrowable(() -> destination.put(request("a/c.txt", utf8("big"), Map.of(), () -> {
        opened.set(true);
        return new ByteArrayInputStream(utf8("big"));
      })));
      assertThat(unstreamed).isInstanceOf(DestinationException.class);
      assertThat(opened).as("refused before the payload was streamed").isFalse();

      assertThat(tree(outside)).as("nothing written or created under %s", outside).isEqualTo(before);
      assertThat(tempFiles()).isEmpty();
    }

    @Test
    @DisplayName("put through a link deeper down that leads out is refused too, and creates no directory outside")
    void putThroughDeeperEscapingLink() throws IOException {
      Files.createDirectories(dir.resolve("x/y"));
      Path link = Files.createSymbolicLink(dir.resolve("x/y/out"), outside);
      assertThat(refusedWrite("x/y/out/new/dir/b.txt").getMessage()).contains(link.toString());
      assertThat(outside).isEmptyDirectory();
    }

    @Test
    @DisplayName("put through a dangling directory link fails permanently and creates nothing where it points")
    void putThroughDanglingLink() throws IOException {
      Path nowhere = tmp.resolve("nowhere");
      Path link = Files.createSymbolicLink(dir.resolve("d"), nowhere);
      assertThat(refusedWrite("d/b.txt").getMessage()).contains(link.toString());
      assertThat(nowhere).doesNotExist();
    }

    @Test
    @DisplayName("head, get and delete through a directory link that leads out see no object and delete nothing")
    void readAndDeleteThroughEscapingLink() throws IOException {
      Files.createSymbolicLink(dir.resolve("a"), outside);
      Path victim = Files.writeString(outside.resolve("b.txt"), "not dualpush's");

      assertThat(destination.head("a/b.txt")).isEmpty();
      assertThat(destination.get("a/b.txt")).isEmpty();
      assertThat(destination.delete("a/b.txt")).isFalse();
      assertThat(victim).hasContent("not dualpush's");
    }

    @Test
    @DisplayName("a final path that is a link is no object to head, get and delete, and put replaces the link without writing through it")
    void finalPathLink() throws IOException {
      Path secret = Files.writeString(outside.resolve("secret.txt"), "secret");
      Path link = Files.createSymbolicLink(dir.resolve("c.txt"), secret);

      assertThat(destination.head("c.txt")).isEmpty();
      assertThat(destination.get("c.txt")).isEmpty();
      assertThat(destination.delete("c.txt")).isFalse();
      assertThat(Files.isSymbolicLink(link)).as("delete leaves a link alone").isTrue();

      byte[] bytes = utf8("new object");
      assertThat(destination.put(request("c.txt", bytes)).written()).isTrue();

      assertThat(secret).hasContent("secret");
      assertThat(Files.isSymbolicLink(link)).as("the link was replaced by the object").isFalse();
      assertThat(link).hasBinaryContent(bytes);
      assertThat(destination.head("c.txt").orElseThrow().md5()).contains(Md5.of(bytes));
    }

    @Test
    @DisplayName("a final path that is a link to a file inside the destination is not read through either")
    void finalPathLinkInside() throws IOException {
      destination.put(request("real.txt", utf8("real")));
      Files.createSymbolicLink(dir.resolve("alias.txt"), dir.resolve("real.txt"));
      assertThat(destination.head("alias.txt")).isEmpty();
      assertThat(destination.get("alias.txt")).isEmpty();
    }

    @Test
    @DisplayName("a directory link that stays inside the destination is followed")
    void linkInsideIsFollowed() throws IOException {
      Path real = Files.createDirectory(dir.resolve("real"));
      Files.createSymbolicLink(dir.resolve("alias"), real);
      Files.createSymbolicLink(dir.resolve("relative"), Path.of("real"));
      byte[] bytes = utf8("through a link that stays home");

      assertThat(destination.put(request("alias/b.txt", bytes)).written()).isTrue();
      assertThat(destination.put(request("relative/sub/c.txt", bytes)).written()).isTrue();

      assertThat(real.resolve("b.txt")).hasBinaryContent(bytes);
      assertThat(real.resolve("sub/c.txt")).hasBinaryContent(bytes);
      assertThat(destination.head("alias/b.txt").orElseThrow().md5()).contains(Md5.of(bytes));
      assertThat(destination.head("real/sub/c.txt").orElseThrow().md5()).contains(Md5.of(bytes));
    }

    @Test
    @DisplayName("an internal directory (.dualpush) that is a link leading out is refused, writing nothing outside")
    void internalDirectoryLink() throws IOException {
      Path link = Files.createSymbolicLink(dir.resolve(".dualpush"), outside);
      assertThat(refusedWrite("k.txt").getMessage()).contains(link.toString());
      assertThat(outside).isEmptyDirectory();
      assertThat(dir.resolve("k.txt")).doesNotExist();
      assertThat(destination.probe().healthy()).isFalse();
      assertThat(outside).isEmptyDirectory();
    }
  }

  @Nested
  @DisplayName("bookkeeping (sidecars)")
  class Bookkeeping {

    /** Puts {@code key} with metadata and checks everything the engine relies on reads it back. */
    private void assertRoundTrip(String key, byte[] bytes) throws IOException {
      Map<String, String> metadata = Map.of("owner", "team-a");
      PutResult put = destination.put(request(key, bytes, metadata, () -> new ByteArrayInputStream(bytes)));
      assertThat(put.written()).as("put %s", key).isTrue();
      assertThat(destination.pathOf(key)).hasBinaryContent(bytes);
      ObjectInfo info = destination.head(key).orElseThrow();
      assertThat(info.md5()).as("head %s", key).contains(Md5.of(bytes));
      assertThat(info.size()).isEqualTo(bytes.length);
      // Metadata is only reported from a sidecar that matches the file: this proves it was written and found.
      assertThat(info.metadata()).as("metadata of %s", key).containsEntry("owner", "team-a");
      try (InputStream in = destination.get(key).orElseThrow()) {
        assertThat(in.readAllBytes()).isEqualTo(bytes);
      }
      assertThat(destination.put(request(key, bytes)).written()).as("re-put of %s", key).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ascii", "three-byte", "two-byte"})
    @DisplayName("a key whose last segment is 255 bytes (the file name limit) round-trips put, head, get and re-put "
        + "(regression: its sidecar name '<segment>.meta' was longer than the limit)")
    void longestFileName(String kind) throws IOException {
      String segment = switch (kind) {
        case "ascii" -> "a".repeat(255);
        case "three-byte" -> "日".repeat(85);
        default -> "é".repeat(127) + "a";
      };
      assertThat(utf8(segment)).hasSize(255);
      String key = "long/" + segment;
      assertRoundTrip(key, utf8("payload of " + kind));
      assertThat(sidecarOf(key)).exists();
      assertThat(destination.delete(key)).isTrue();
      assertThat(sidecarOf(key)).doesNotExist();
    }

    @Test
    @DisplayName("keys 'b' and 'b.meta/c' are both stored with their own digests, in either order "
        + "(regression: their sidecars 'b.meta' and 'b.meta/c.meta' collided, so one push never converged)")
    void keysWhoseOldSidecarsCollided() throws IOException {
      assertRoundTrip("b", utf8("object b"));
      assertRoundTrip("b.meta/c", utf8("object b.meta/c"));
      assertRoundTrip("d.meta/c", utf8("object d.meta/c"));
      assertRoundTrip("d", utf8("object d"));
      assertThat(destination.head("b").orElseThrow().md5()).contains(Md5.of(utf8("object b")));
      assertThat(destination.head("b.meta/c").orElseThrow().md5()).contains(Md5.of(utf8("object b.meta/c")));
      assertThat(destination.head("d").orElseThrow().md5()).contains(Md5.of(utf8("object d")));
      assertThat(destination.head("d.meta/c").orElseThrow().md5()).contains(Md5.of(utf8("object d.meta/c")));
    }

    @Test
    @DisplayName("sidecar names have a fixed length whatever the key: two hex digits, then 64")
    void fixedLengthNames() throws IOException {
      destination.put(request("x", utf8("1")));
      destination.put(request("deep/" + "y".repeat(200) + "/z.csv", utf8("2")));
      Path meta = dir.resolve(".dualpush/meta");
      assertThat(regularFiles(meta)).hasSize(2).allSatisfy(p -> {
        assertThat(p.getFileName().toString()).matches("[0-9a-f]{64}");
        assertThat(p.getParent().getFileName().toString()).isEqualTo(p.getFileName().toString().substring(0, 2));
        assertThat(p.getParent().getParent()).isEqualTo(meta);
      });
    }

    @Test
    @DisplayName("a sidecar that names another key is ignored: head re-hashes and reports no metadata")
    void sidecarOfAnotherKeyIgnored() throws IOException {
      byte[] bytes = utf8("mine");
      destination.put(request("mine.txt", bytes, Map.of("owner", "x"), () -> new ByteArrayInputStream(bytes)));
      Path sidecar = sidecarOf("mine.txt");
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(sidecar)) {
        p.load(in);
      }
      assertThat(p.getProperty("key")).isEqualTo("mine.txt");
      p.setProperty("key", "someone-else.txt");
      p.setProperty("md5", Md5.of(utf8("forged")));
      try (var out = Files.newOutputStream(sidecar)) {
        p.store(out, null);
      }
      ObjectInfo info = destination.head("mine.txt").orElseThrow();
      assertThat(info.md5()).contains(Md5.of(bytes));
      assertThat(info.metadata()).isEmpty();
    }

    @Test
    @DisplayName("a sidecar of the old layout (DIR/.dualpush/meta/<key>.meta) is ignored: head re-hashes")
    void oldLayoutIgnored() throws IOException {
      byte[] bytes = utf8("current");
      destination.put(request("k.txt", bytes));
      Path current = sidecarOf("k.txt");
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(current)) {
        p.load(in);
      }
      p.remove("key");
      p.setProperty("md5", Md5.of(utf8("stale")));
      try (var out = Files.newOutputStream(dir.resolve(".dualpush/meta/k.txt.meta"))) {
        p.store(out, null);
      }
      Files.delete(current);
      assertThat(destination.head("k.txt").orElseThrow().md5()).contains(Md5.of(bytes));
    }
  }

  @Nested
  @DisplayName("overlaps")
  class Overlaps {

    @Test
    @DisplayName("itself, another instance on the same directory, and one reached through a symbolic link")
    void sameDirectory() throws IOException {
      Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
      assertThat(destination.overlaps(destination)).isTrue();
      assertThat(destination.overlaps(new FileSystemDestination(dir))).isTrue();
      assertThat(destination.overlaps(new FileSystemDestination(link))).isTrue();
      assertThat(new FileSystemDestination(link).overlaps(destination)).isTrue();
    }

    @Test
    @DisplayName("a destination inside its directory, and one whose directory contains it")
    void nested() throws IOException {
      FileSystemDestination inner = new FileSystemDestination(Files.createDirectories(dir.resolve("a/b")));
      FileSystemDestination outer = new FileSystemDestination(tmp);
      assertThat(destination.overlaps(inner)).isTrue();
      assertThat(inner.overlaps(destination)).isTrue();
      assertThat(destination.overlaps(outer)).isTrue();
    }

    @Test
    @DisplayName("not a sibling directory, even one whose name starts with the same letters")
    void apart() throws IOException {
      FileSystemDestination sibling = new FileSystemDestination(Files.createDirectory(tmp.resolve("dest2")));
      assertThat(destination.overlaps(sibling)).isFalse();
      assertThat(sibling.overlaps(destination)).isFalse();
    }

    @Test
    @DisplayName("the same directory through a bind mount (root only; skipped otherwise)")
    void bindMount() throws IOException {
      Path alias = Files.createDirectory(tmp.resolve("alias"));
      try (BindMount m = BindMount.of(dir, alias)) {
        assertThat(destination.overlaps(new FileSystemDestination(alias))).isTrue();
      }
    }
  }

  @Nested
  @DisplayName("re-putting identical content")
  class Idempotence {

    @Test
    @DisplayName("does not rewrite the file: same mtime, same file identity, written=false")
    void identicalPutIsANoOp() throws IOException {
      byte[] bytes = utf8("same content");
      destination.put(request("a/b.csv", bytes));
      Path file = dir.resolve("a/b.csv");
      BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
      Map<String, String> treeBefore = tree(dir);

      PutResult again = destination.put(request("a/b.csv", bytes));

      assertThat(again.written()).isFalse();
      assertThat(again.md5()).isEqualTo(Md5.of(bytes));
      BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class);
      assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
      assertThat(after.fileKey()).isEqualTo(before.fileKey());
      assertThat(file).hasBinaryContent(bytes);
      assertThat(tree(dir).keySet()).isEqualTo(treeBefore.keySet());
    }

    @Test
    @DisplayName("with different content, replaces the object")
    void differentContentIsWritten() {
      destination.put(request("a/b.csv", utf8("v1")));
      PutResult r = destination.put(request("a/b.csv", utf8("v2")));
      assertThat(r.written()).isTrue();
      assertThat(dir.resolve("a/b.csv")).hasContent("v2");
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(utf8("v2")));
    }
  }

  @Nested
  @DisplayName("a file changed behind its back")
  class ChangedBehindItsBack {

    @Test
    @DisplayName("of another size is reported by head() with its real MD5")
    void differentSize() throws IOException {
      destination.put(request("a/b.csv", utf8("original")));
      byte[] changed = utf8("changed, and longer");
      Files.write(dir.resolve("a/b.csv"), changed);
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(changed));
    }

    @Test
    @DisplayName("of the same size, rewritten at once, is reported by head() with its real MD5")
    void sameSizeAtOnce() throws IOException {
      // Rewritten immediately, most likely within the same tick of the file system's clock.
      destination.put(request("a/b.csv", utf8("AAAAAAAA")));
      byte[] changed = utf8("BBBBBBBB");
      Files.write(dir.resolve("a/b.csv"), changed);
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(changed));
    }

    @Test
    @DisplayName("of the same size with its mtime set back is reported by head() with its real MD5")
    void sameSizeMtimeRestored() throws IOException {
      Path file = dir.resolve("a/b.csv");
      destination.put(request("a/b.csv", utf8("AAAAAAAA")));
      FileTime original = Files.getLastModifiedTime(file);
      byte[] changed = utf8("BBBBBBBB");
      Files.write(file, changed);
      Files.setLastModifiedTime(file, original);
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(changed));
    }

    @Test
    @DisplayName("of the same size is rewritten by a put of the original content")
    void putRepairsIt() throws IOException {
      Path file = dir.resolve("a/b.csv");
      byte[] original = utf8("AAAAAAAA");
      destination.put(request("a/b.csv", original));
      FileTime mtime = Files.getLastModifiedTime(file);
      Files.write(file, utf8("BBBBBBBB"));
      Files.setLastModifiedTime(file, mtime);
      assertThat(destination.put(request("a/b.csv", original)).written()).isTrue();
      assertThat(file).hasBinaryContent(original);
    }

    @Test
    @DisplayName("when unchanged keeps its digest, and head() trusts the sidecar again once the clock moved on")
    void unchangedFileKeepsItsDigest() {
      byte[] bytes = utf8("stable");
      destination.put(request("a/b.csv", bytes, Map.of("owner", "x"), () -> new ByteArrayInputStream(bytes)));
      Path sidecar = sidecarOf("a/b.csv");
      assertThat(sidecar).exists();
      // While the sidecar cannot prove the file unchanged, head() re-hashes and touches it; after
      // that it trusts it, and a head() no longer touches anything.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        long before = Files.size(sidecar);
        ObjectInfo info = destination.head("a/b.csv").orElseThrow();
        assertThat(info.md5()).contains(Md5.of(bytes));
        assertThat(info.metadata()).containsEntry("owner", "x");
        return Files.size(sidecar) == before;
      });
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(bytes));
    }
  }

  @Nested
  @DisplayName("a failed write")
  class FailedWrites {

    @Test
    @DisplayName("leaves no temporary file after a successful put")
    void noTempAfterSuccess() throws IOException {
      destination.put(request("a/b.csv", utf8("ok")));
      destination.put(request("a/b.csv", utf8("ok again")));
      assertThat(tempFiles()).isEmpty();
    }

    @Test
    @DisplayName("whose stream throws midway leaves the old object intact and no temporary file")
    void streamThrowsMidway() throws IOException {
      byte[] old = utf8("old object");
      destination.put(request("a/b.csv", old));
      byte[] next = new byte[256 * 1024];
      ContentOpener failing = () -> new InputStream() {
        private int served;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (served >= 100 * 1024) {
            throw new IOException("source went away");
          }
          int n = Math.min(len, 4096);
          Arrays.fill(b, off, off + n, (byte) 'n');
          served += n;
          return n;
        }
      };

      Throwable thrown = catchThrowable(() -> destination.put(request("a/b.csv", next, Map.of(), failing)));

      assertThat(thrown).isInstanceOf(DestinationException.class).hasMessageContaining("a/b.csv");
      assertThat(dir.resolve("a/b.csv")).hasBinaryContent(old);
      assertThat(destination.head("a/b.csv").orElseThrow().md5()).contains(Md5.of(old));
      assertThat(tempFiles()).isEmpty();
    }

    @Test
    @DisplayName("whose stream throws midway leaves no object at a new key")
    void streamThrowsMidwayNewKey() throws IOException {
      ContentOpener failing = () -> new InputStream() {
        private boolean first = true;

        @Override
        public int read() throws IOException {
          throw new IOException("source went away");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (first) {
            first = false;
            Arrays.fill(b, off, off + len, (byte) 1);
            return len;
          }
          throw new IOException("source went away");
        }
      };
      assertThat(catchThrowable(() -> destination.put(request("new/key.bin", new byte[10], Map.of(), failing))))
          .isInstanceOf(DestinationException.class);
      assertThat(dir.resolve("new/key.bin")).doesNotExist();
      assertThat(destination.head("new/key.bin")).isEmpty();
      assertThat(tempFiles()).isEmpty();
    }

    @Test
    @DisplayName("interrupted from another thread fails with DestinationException, keeps the interrupt, and leaves no torn object")
    void interrupted() throws Exception {
      byte[] old = utf8("old object");
      destination.put(request("a/b.csv", old));
      CountDownLatch midway = new CountDownLatch(1);
      ContentOpener slow = () -> new InputStream() {
        private int reads;

        @Override
        public int read() {
          throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          if (++reads > 1) {
            midway.countDown();
            // Like a slow source: waits (boundedly) for the interrupt, then keeps handing out data.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline) {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
          }
          Arrays.fill(b, off, off + len, (byte) 'n');
          return len;
        }
      };
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicBoolean stillInterrupted = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        try {
          destination.put(request("a/b.csv", new byte[1 << 20], Map.of(), slow));
        } catch (Throwable t) {
          failure.set(t);
        }
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      }, "test-writer");
      writer.start();
      assertThat(midway.await(10, TimeUnit.SECONDS)).as("writer reached the middle of the payload").isTrue();
      writer.interrupt();
      writer.join(TimeUnit.SECONDS.toMillis(10));

      assertThat(writer.isAlive()).isFalse();
      assertThat(failure.get()).isInstanceOf(DestinationException.class);
      assertThat(stillInterrupted).as("the interrupt is not swallowed").isTrue();
      assertThat(dir.resolve("a/b.csv")).hasBinaryContent(old);
      assertThat(tempFiles()).isEmpty();
    }
  }

  @Nested
  @DisplayName("temporary files left by a crash (regression: .part files piled up in DIR/.dualpush/tmp forever)")
  class AbandonedTemporaryFiles {

    private Path file(Path tmpDir, String name, Duration age) throws IOException {
      Path f = Files.writeString(tmpDir.resolve(name), "partial write of a crashed put");
      Files.setLastModifiedTime(f, FileTime.from(java.time.Instant.now().minus(age)));
      return f;
    }

    @Test
    @DisplayName("are deleted by the first put once unmodified for over an hour; fresh ones, being possibly another "
        + "process's write in progress, are kept")
    void sweptByFirstPut() throws IOException {
      Path tmpDir = Files.createDirectories(dir.resolve(".dualpush/tmp"));
      Path oldPart = file(tmpDir, "3f0c-crashed.part", Duration.ofHours(2));
      Path oldMeta = file(tmpDir, "3f0d-crashed.meta", Duration.ofDays(3));
      Path freshPart = file(tmpDir, "77aa-in-progress.part", Duration.ofMinutes(5));
      Path notOurs = file(tmpDir, "notes.txt", Duration.ofDays(3));

      FileSystemDestination restarted = new FileSystemDestination(dir);
      assertThat(oldPart).as("construction writes nothing").exists();

      restarted.put(request("a.txt", utf8("after the crash")));

      assertThat(oldPart).doesNotExist();
      assertThat(oldMeta).doesNotExist();
      assertThat(freshPart).exists();
      assertThat(notOurs).as("a name dualpush never gives is left alone").exists();
    }

    @Test
    @DisplayName("one just under the hour is kept")
    void justUnderTheAgeKept() throws IOException {
      Path tmpDir = Files.createDirectories(dir.resolve(".dualpush/tmp"));
      Path part = file(tmpDir, "slow.part", Duration.ofMinutes(55));
      new FileSystemDestination(dir).put(request("a.txt", utf8("x")));
      assertThat(part).exists();
    }
  }

  @Test
  @DisplayName("probe is healthy on a writable directory and unhealthy once it is gone, leaving no probe file")
  void probe() throws IOException {
    assertThat(destination.probe().healthy()).isTrue();
    assertThat(tempFiles()).isEmpty();
    Path gone = Files.createDirectory(tmp.resolve("gone"));
    FileSystemDestination d = new FileSystemDestination(gone);
    Files.delete(gone);
    assertThat(d.probe().healthy()).isFalse();
    assertThat(d.probe().detail()).contains("missing");
  }

  @Test
  @DisplayName("concurrent puts of one key never leave a sidecar vouching for another writer's bytes")
  void concurrentPutsNeverLeaveASidecarVouchingForAnotherWritersBytes() throws Exception {
    // Regression: a writer stamped the final path after its rename, so when another writer's rename
    // landed in between, the sidecar paired one writer's MD5 with the other's file and head() lied.
    int writers = 4;
    List<byte[]> contents = new java.util.ArrayList<>();
    Random random = new Random(5);
    for (int i = 0; i < writers; i++) {
      byte[] b = new byte[16 * 1024];
      random.nextBytes(b);
      contents.add(b);
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 150; round++) {
        String key = "race/" + round + ".bin";
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<PutResult>> puts = new java.util.ArrayList<>();
        for (byte[] c : contents) {
          puts.add(pool.submit(() -> {
            go.await();
            return destination.put(request(key, c));
          }));
        }
        go.countDown();
        for (java.util.concurrent.Future<PutResult> f : puts) {
          f.get(30, TimeUnit.SECONDS);
        }
        String held = Md5.of(Files.readAllBytes(destination.pathOf(key)));
        assertThat(destination.head(key).orElseThrow().md5()).as("round %d", round).hasValue(held);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
