package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualpush.DestinationException;
import io.dualpush.DualPushException;
import io.dualpush.ObjectKeys;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Destination} keeps, as its Javadoc states it. Extend this and implement
 * {@link #createDestination()}; the in-memory fake, the embedded file-system destination and every
 * real adapter run the same suite. Destinations that refuse stale fencing tokens extend
 * {@link FencingDestinationContract} instead.
 *
 * <p>Each test writes under its own random key prefix, so a destination shared between tests (a
 * real container) does not see one test's objects in another.
 *
 * <p>The listing tests run only when {@link Destination#supportsListing()} is true; otherwise one
 * test checks that {@code list} refuses with {@link UnsupportedOperationException}.
 *
 * <pre>{@code
 * class MyDestinationTest extends DestinationContract {
 *   protected Destination createDestination() { return new MyDestination(...); }
 * }
 * }</pre>
 */
public abstract class DestinationContract {
  /** The destination under test, fresh for each test. */
  protected Destination destination;
  private String prefix;

  /**
   * A new destination to test; called before each test.
   *
   * @return a destination holding no object under the keys the tests use
   */
  protected abstract Destination createDestination();

  /**
   * Releases what {@link #createDestination()} made; called after each test. Does nothing by default.
   *
   * @param destination the destination this test used
   * @throws Exception when releasing fails; the test then fails
   */
  protected void closeDestination(Destination destination) throws Exception {}

  /**
   * Size of the payload streamed by the large-payload test: 32 MiB unless overridden.
   *
   * @return the size in bytes
   */
  protected long largePayloadSize() {
    return 32L * 1024 * 1024;
  }

  /**
   * Number of threads in the concurrency tests.
   *
   * @return the number of threads, 16 unless overridden
   */
  protected int threads() {
    return 8;
  }

  @BeforeEach
  void createDestinationUnderTest() {
    destination = createDestination();
    prefix = "contract-" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }

  @AfterEach
  void closeDestinationUnderTest() throws Exception {
    if (destination != null) {
      closeDestination(destination);
    }
  }

  // ------------------------------------------------------------------ helpers for subclasses

  /**
   * A key unique to the running test.
   *
   * @param name a name for the key within the test
   * @return {@code name} under a prefix unique to the running test
   */
  protected String key(String name) {
    return prefix + name;
  }

  /**
   * The UTF-8 bytes of {@code s}.
   *
   * @param s the text
   * @return its bytes
   */
  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A write of {@code content} with its true MD5 and no fencing token.
   *
   * @param key the object key
   * @param content the payload
   * @return the request
   */
  protected static WriteRequest write(String key, byte[] content) {
    return write(key, content, Map.of(), OptionalLong.empty());
  }

  /**
   * A write of {@code content} with its true MD5, {@code metadata} and {@code token}.
   *
   * @param key the object key
   * @param content the payload
   * @param metadata user metadata to store
   * @param token the fencing token, or empty
   * @return the request
   */
  protected static WriteRequest write(String key, byte[] content, Map<String, String> metadata, OptionalLong token) {
    return new WriteRequest(key, content.length, Md5.of(content), "application/octet-stream", metadata,
        "txn-" + UUID.randomUUID(), "contract", token, () -> new ByteArrayInputStream(content));
  }

  /**
   * The whole object under {@code key}, or empty.
   *
   * @param key the object key
   * @return the bytes read through {@code get}, or empty
   */
  protected Optional<byte[]> read(String key) {
    Optional<InputStream> in = destination.get(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream s = in.get()) {
      return Optional.of(s.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The digest of the object's bytes as read back, or empty.
   *
   * @param key the object key
   * @return the base64 MD5 of the bytes {@code get} returns, or empty
   */
  protected Optional<String> digestOfStoredBytes(String key) {
    Optional<InputStream> in = destination.get(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream s = in.get()) {
      return Optional.of(Md5.of(s).base64());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts the object under {@code key} is exactly {@code expected}, by head and by get.
   *
   * @param key the object key
   * @param expected the bytes it must hold
   */
  protected void assertHolds(String key, byte[] expected) {
    Optional<ObjectInfo> head = destination.head(key);
    assertThat(head).as("head(%s)", key).isPresent();
    assertThat(head.get().size()).as("size of %s", key).isEqualTo(expected.length);
    head.get().md5().ifPresent(md5 -> assertThat(md5).as("MD5 reported for %s", key).isEqualTo(Md5.of(expected)));
    assertThat(read(key)).as("bytes of %s", key).hasValueSatisfying(b -> assertThat(b).isEqualTo(expected));
  }

  /**
   * Asserts there is no object under {@code key}, by head and by get.
   *
   * @param key the object key
   */
  protected void assertAbsent(String key) {
    assertThat(destination.head(key)).as("head(%s)", key).isEmpty();
    Optional<InputStream> in = destination.get(key);
    in.ifPresent(s -> {
      try {
        s.close();
      } catch (IOException ignored) {
        // only closing
      }
    });
    assertThat(in).as("get(%s)", key).isEmpty();
  }

  /**
   * Content that yields {@code good} bytes and then fails, as a dropped upload source would.
   *
   * @param good how many bytes the stream yields before it fails
   * @return an opener whose streams fail with an {@code IOException} after {@code good} bytes
   */
  protected static ContentOpener failingAfter(int good) {
    return () -> new InputStream() {
      private final InputStream data = new GeneratedInputStream(good, 11);

      @Override
      public int read() throws IOException {
        int b = data.read();
        if (b < 0) {
          throw new IOException("source failed mid-way (injected)");
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = data.read(b, off, len);
        if (n < 0) {
          throw new IOException("source failed mid-way (injected)");
        }
        return n;
      }
    };
  }

  /**
   * Every object whose key starts with {@code prefix}, read a page of {@code pageSize} at a time,
   * each page starting after the last key of the one before, until a short page.
   *
   * @param prefix the start of every key listed
   * @param pageSize the limit of each call to {@code list}
   * @return the objects in the order the pages gave them
   */
  protected List<ObjectInfo> listAll(String prefix, int pageSize) {
    List<ObjectInfo> all = new ArrayList<>();
    String after = null;
    for (int pages = 0; ; pages++) {
      List<ObjectInfo> page = destination.list(prefix, after, pageSize);
      assertThat(page.size()).as("size of page %d", pages).isLessThanOrEqualTo(pageSize);
      all.addAll(page);
      if (page.size() < pageSize) {
        return all;
      }
      after = page.get(page.size() - 1).key();
    }
  }

  private static List<String> keysOf(List<ObjectInfo> infos) {
    return infos.stream().map(ObjectInfo::key).toList();
  }

  private static List<String> sorted(List<String> keys) {
    List<String> copy = new ArrayList<>(keys);
    copy.sort(ObjectKeys.ORDER);
    return copy;
  }

  // ------------------------------------------------------------------ the contract

  @Nested
  @DisplayName("put, head and get")
  class RoundTrip {
    @Test
    @DisplayName("a put is read back byte for byte with the MD5 of those bytes")
    void putThenHeadAndGet() {
      byte[] content = bytes("hello, dual push");
      PutResult result = destination.put(write(key("a.csv"), content));
      assertThat(result.written()).isTrue();
      assertThat(result.md5()).isEqualTo(Md5.of(content));
      assertHolds(key("a.csv"), content);
    }

    @Test
    @DisplayName("an empty object is stored and read back as empty")
    void emptyObject() {
      PutResult result = destination.put(write(key("empty"), new byte[0]));
      assertThat(result.md5()).isEqualTo(Md5.of(new byte[0]));
      assertHolds(key("empty"), new byte[0]);
    }

    @Test
    @DisplayName("keys with nested paths are separate objects")
    void nestedKeys() {
      byte[] one = bytes("part one");
      byte[] two = bytes("part two");
      destination.put(write(key("sales/2026/01/part-0001.csv"), one));
      destination.put(write(key("sales/2026/01/part-0002.csv"), two));
      destination.put(write(key("sales/2026/summary.csv"), bytes("sum")));
      assertHolds(key("sales/2026/01/part-0001.csv"), one);
      assertHolds(key("sales/2026/01/part-0002.csv"), two);
      assertThat(destination.delete(key("sales/2026/01/part-0001.csv"))).isTrue();
      assertAbsent(key("sales/2026/01/part-0001.csv"));
      assertHolds(key("sales/2026/01/part-0002.csv"), two);
      assertHolds(key("sales/2026/summary.csv"), bytes("sum"));
    }

    @Test
    @DisplayName("keys with non-ASCII characters and spaces round-trip")
    void unicodeKey() {
      byte[] content = bytes("données");
      destination.put(write(key("données/日本語 file.csv"), content));
      assertHolds(key("données/日本語 file.csv"), content);
    }

    @Test
    @DisplayName("user metadata of the write is visible in head")
    void metadataInHead() {
      Map<String, String> metadata = Map.of("owner", "team-a", "schema", "v2");
      destination.put(write(key("meta.bin"), bytes("m"), metadata, OptionalLong.empty()));
      assertThat(destination.head(key("meta.bin"))).hasValueSatisfying(info -> {
        assertThat(info.key()).isEqualTo(key("meta.bin"));
        assertThat(info.metadata()).containsAllEntriesOf(metadata);
      });
    }

    @Test
    @DisplayName("a different payload overwrites the object")
    void overwrite() {
      destination.put(write(key("o.bin"), bytes("version one")));
      byte[] two = bytes("version two, longer");
      PutResult result = destination.put(write(key("o.bin"), two));
      assertThat(result.written()).isTrue();
      assertThat(result.md5()).isEqualTo(Md5.of(two));
      assertHolds(key("o.bin"), two);
    }

    @Test
    @DisplayName("the MD5 returned is of the bytes held, never a declared MD5 for other bytes")
    void md5IsOfBytesHeld() {
      byte[] content = bytes("actual bytes");
      WriteRequest lying = new WriteRequest(key("lie.bin"), content.length, Md5.of(bytes("other bytes")),
          "application/octet-stream", Map.of(), "txn-lie", "", OptionalLong.empty(),
          () -> new ByteArrayInputStream(content));
      Throwable thrown = catchThrowable(() -> {
        PutResult result = destination.put(lying);
        assertThat(result.md5()).isEqualTo(Md5.of(content));
      });
      if (thrown instanceof AssertionError a) {
        throw a;
      }
      if (thrown == null) {
        assertHolds(key("lie.bin"), content);
      } else {
        // Refusing a payload that does not match its declared digest is also within the contract.
        assertThat(thrown).isInstanceOf(DestinationException.class);
        assertAbsent(key("lie.bin"));
      }
    }

    @Test
    @DisplayName("a large payload is streamed from a generated source and stored with its MD5")
    void largePayload() throws IOException {
      long size = largePayloadSize();
      String md5;
      try (InputStream in = new GeneratedInputStream(size, 7)) {
        md5 = Md5.of(in).base64();
      }
      WriteRequest big = new WriteRequest(key("big.bin"), size, md5, "application/octet-stream", Map.of(),
          "txn-big", "", OptionalLong.empty(), () -> new GeneratedInputStream(size, 7));
      PutResult result = destination.put(big);
      assertThat(result.md5()).isEqualTo(md5);
      ObjectInfo info = destination.head(key("big.bin")).orElseThrow();
      assertThat(info.size()).isEqualTo(size);
      info.md5().ifPresent(m -> assertThat(m).isEqualTo(md5));
      assertThat(digestOfStoredBytes(key("big.bin"))).hasValue(md5);
    }
  }

  @Nested
  @DisplayName("identical content")
  class Identical {
    @Test
    @DisplayName("a second put of the same content writes nothing and says so")
    void samePutWritesNothing() {
      byte[] content = bytes("same");
      destination.put(write(key("s.bin"), content));
      ObjectInfo before = destination.head(key("s.bin")).orElseThrow();
      PutResult again = destination.put(write(key("s.bin"), content));
      assertThat(again.written()).isFalse();
      assertThat(again.md5()).isEqualTo(Md5.of(content));
      ObjectInfo after = destination.head(key("s.bin")).orElseThrow();
      assertThat(after.etag()).isEqualTo(before.etag());
      assertThat(after.lastModified()).isEqualTo(before.lastModified());
      assertHolds(key("s.bin"), content);
    }

    @Test
    @DisplayName("a put skipped as identical is judged by MD5: other bytes declaring the held MD5 are not written")
    void identicalIsJudgedByMd5() {
      byte[] held = bytes("held bytes");
      destination.put(write(key("j.bin"), held));
      byte[] other = bytes("other bytes");
      WriteRequest claimsSame = new WriteRequest(key("j.bin"), other.length, Md5.of(held), "application/octet-stream",
          Map.of(), "txn-j", "", OptionalLong.empty(), () -> new ByteArrayInputStream(other));
      PutResult result = destination.put(claimsSame);
      assertThat(result.written()).isFalse();
      assertHolds(key("j.bin"), held);
    }

    @Test
    @DisplayName("replaceIdentical writes even when the destination reports the same MD5")
    void replaceIdenticalWrites() {
      byte[] held = bytes("held bytes");
      destination.put(write(key("r.bin"), held));
      byte[] repaired = bytes("repaired bytes");
      AtomicInteger opens = new AtomicInteger();
      WriteRequest replace = new WriteRequest(key("r.bin"), repaired.length, Md5.of(held), "application/octet-stream",
          Map.of(), "txn-r", "", OptionalLong.empty(), () -> {
            opens.incrementAndGet();
            return new ByteArrayInputStream(repaired);
          }).replacingIdentical();
      Throwable thrown = catchThrowable(() -> {
        PutResult result = destination.put(replace);
        assertThat(result.written()).isTrue();
        assertThat(result.md5()).isEqualTo(Md5.of(repaired));
      });
      if (thrown instanceof AssertionError a) {
        throw a;
      }
      assertThat(opens.get()).as("payload opened").isPositive();
      if (thrown == null) {
        assertHolds(key("r.bin"), repaired);
      } else {
        // A destination may refuse bytes that do not match the declared digest; it must not lose the held ones.
        assertThat(thrown).isInstanceOf(DestinationException.class);
        assertHolds(key("r.bin"), held);
      }
    }

    @Test
    @DisplayName("replaceIdentical rewrites an object with the same content")
    void replaceIdenticalSameContent() {
      byte[] content = bytes("same again");
      destination.put(write(key("rs.bin"), content));
      PutResult result = destination.put(write(key("rs.bin"), content).replacingIdentical());
      assertThat(result.written()).isTrue();
      assertThat(result.md5()).isEqualTo(Md5.of(content));
      assertHolds(key("rs.bin"), content);
    }

    @Test
    @DisplayName("after a delete the same content is written again")
    void putAfterDelete() {
      byte[] content = bytes("again");
      destination.put(write(key("d.bin"), content));
      destination.delete(key("d.bin"));
      PutResult result = destination.put(write(key("d.bin"), content));
      assertThat(result.written()).isTrue();
      assertHolds(key("d.bin"), content);
    }
  }

  @Nested
  @DisplayName("missing objects and delete")
  class MissingAndDelete {
    @Test
    @DisplayName("a missing key has no head and no stream")
    void missing() {
      assertAbsent(key("never-written"));
      assertAbsent(key("never/written/nested"));
    }

    @Test
    @DisplayName("delete returns true for an object and false once it is gone")
    void delete() {
      destination.put(write(key("x.bin"), bytes("x")));
      assertThat(destination.delete(key("x.bin"))).isTrue();
      assertAbsent(key("x.bin"));
      assertThat(destination.delete(key("x.bin"))).isFalse();
      assertThat(destination.delete(key("never-written"))).isFalse();
    }

    @Test
    @DisplayName("keys that are absolute or climb out with '..' are refused")
    void badKeysRefused() {
      assertThatThrownBy(() -> destination.put(write("../escape.bin", bytes("x")))).isInstanceOf(DualPushException.class);
      assertThatThrownBy(() -> destination.put(write("/abs.bin", bytes("x")))).isInstanceOf(DualPushException.class);
      assertThatThrownBy(() -> destination.head(key("a/../../escape.bin"))).isInstanceOf(DualPushException.class);
    }
  }

  @Nested
  @DisplayName("failures")
  class Failures {
    @Test
    @DisplayName("a payload whose stream fails mid-way fails the put and leaves no object")
    void failingStreamLeavesNothing() {
      WriteRequest failing = new WriteRequest(key("torn.bin"), 4 * 1024 * 1024, Md5.of(bytes("unknown")),
          "application/octet-stream", Map.of(), "txn-torn", "", OptionalLong.empty(), failingAfter(1024 * 1024));
      assertThatThrownBy(() -> destination.put(failing)).isInstanceOf(DestinationException.class);
      assertAbsent(key("torn.bin"));
    }

    @Test
    @DisplayName("a payload whose stream fails mid-way leaves the previous object whole")
    void failingStreamKeepsPrevious() {
      byte[] previous = bytes("the previous version");
      destination.put(write(key("keep.bin"), previous));
      WriteRequest failing = new WriteRequest(key("keep.bin"), 4 * 1024 * 1024, Md5.of(bytes("unknown")),
          "application/octet-stream", Map.of(), "txn-torn", "", OptionalLong.empty(), failingAfter(1024 * 1024));
      assertThatThrownBy(() -> destination.put(failing)).isInstanceOf(DestinationException.class);
      assertHolds(key("keep.bin"), previous);
    }

    @Test
    @DisplayName("a payload that cannot be opened fails the put and leaves nothing")
    void unopenablePayload() {
      WriteRequest failing = new WriteRequest(key("unopenable.bin"), 10, Md5.of(bytes("unknown")),
          "application/octet-stream", Map.of(), "txn-u", "", OptionalLong.empty(), () -> {
            throw new IOException("cannot open source (injected)");
          });
      assertThatThrownBy(() -> destination.put(failing)).isInstanceOf(DestinationException.class);
      assertAbsent(key("unopenable.bin"));
    }
  }

  @Nested
  @DisplayName("concurrency")
  class Concurrency {
    @Test
    @DisplayName("puts of different keys from several threads are all stored")
    void concurrentDifferentKeys() throws InterruptedException {
      int perThread = 8;
      List<List<String>> written = Concurrently.run(threads(), t -> () -> {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          String k = key("t" + t + "/object-" + i);
          destination.put(write(k, bytes(k)));
          keys.add(k);
        }
        return keys;
      });
      for (List<String> keys : written) {
        for (String k : keys) {
          assertHolds(k, bytes(k));
        }
      }
    }

    @Test
    @DisplayName("concurrent puts of one key leave one of the writes whole")
    void concurrentSameKey() throws InterruptedException {
      List<byte[]> contents = new ArrayList<>();
      for (int t = 0; t < threads(); t++) {
        try (InputStream in = new GeneratedInputStream(256 * 1024, t + 1)) {
          contents.add(in.readAllBytes());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      // Several rounds: a race between one writer's rename and another's bookkeeping is narrow.
      for (int round = 0; round < 20; round++) {
        String k = key("contended-" + round + ".bin");
        Concurrently.run(threads(), t -> () -> destination.put(write(k, contents.get(t))));
        byte[] held = read(k).orElseThrow();
        int r = round;
        assertThat(contents).as("round %d", r).anySatisfy(c -> assertThat(c).isEqualTo(held));
        destination.head(k).orElseThrow().md5()
            .ifPresent(md5 -> assertThat(md5).as("MD5 reported in round %d", r).isEqualTo(Md5.of(held)));
      }
    }
  }

  @Nested
  @DisplayName("listing")
  class Listing {
    /** Stores one small object per name, in a shuffled order, and returns their keys. */
    private List<String> putAll(List<String> names) {
      List<String> shuffled = new ArrayList<>(names);
      Collections.shuffle(shuffled, new Random(names.size()));
      List<String> keys = new ArrayList<>();
      for (String name : shuffled) {
        destination.put(write(key(name), bytes("content of " + name)));
        keys.add(key(name));
      }
      return keys;
    }

    @Test
    @DisplayName("a destination that cannot list refuses with UnsupportedOperationException")
    void unsupported() {
      assumeFalse(destination.supportsListing(), "the destination lists");
      assertThatThrownBy(() -> destination.list("", null, 10)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("objects are listed in ascending UTF-8 order of key, a file beside a directory of a similar name included")
    void ascendingOrder() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      putAll(List.of("b.csv", "a.csv", "dir/x.csv", "dir-2.csv", "z/y/z.bin", "dir/sub/deep.bin"));
      List<ObjectInfo> listed = destination.list(key(""), null, 100);
      // '-' sorts before '/', so dir-2.csv comes before every key under dir/.
      assertThat(keysOf(listed)).containsExactly(key("a.csv"), key("b.csv"), key("dir-2.csv"), key("dir/sub/deep.bin"),
          key("dir/x.csv"), key("z/y/z.bin"));
    }

    @Test
    @DisplayName("each entry has the object's size, its MD5 when known, and what head says of its modification and metadata")
    void entriesMatchHead() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      Map<String, String> metadata = Map.of("owner", "team-a", "schema", "v2");
      byte[] content = bytes("listed with metadata");
      destination.put(write(key("m/meta.bin"), content, metadata, OptionalLong.empty()));
      destination.put(write(key("m/plain.bin"), bytes("")));
      List<ObjectInfo> listed = destination.list(key("m/"), null, 10);
      assertThat(keysOf(listed)).containsExactly(key("m/meta.bin"), key("m/plain.bin"));
      ObjectInfo meta = listed.get(0);
      assertThat(meta.size()).isEqualTo(content.length);
      meta.md5().ifPresent(md5 -> assertThat(md5).as("MD5 listed").isEqualTo(Md5.of(content)));
      assertThat(meta.metadata()).containsAllEntriesOf(metadata);
      assertThat(listed.get(1).size()).isZero();
      listed.get(1).md5().ifPresent(md5 -> assertThat(md5).as("MD5 listed").isEqualTo(Md5.of(new byte[0])));
      for (ObjectInfo info : listed) {
        ObjectInfo head = destination.head(info.key()).orElseThrow();
        assertThat(info.metadata()).as("metadata of %s, as head gives it", info.key()).isEqualTo(head.metadata());
        assertThat(info.lastModified()).as("modification of %s, as head gives it", info.key()).isEqualTo(head.lastModified());
        assertThat(info.size()).isEqualTo(head.size());
      }
    }

    @Test
    @DisplayName("only keys starting with the prefix are listed, whether it ends at a '/' or within a name")
    void prefix() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      putAll(List.of("a.csv", "dir/x.csv", "dir-2.csv", "dir/sub/deep.bin", "dirt.bin", "other/dir/y.csv"));
      assertThat(keysOf(destination.list(key("di"), null, 100)))
          .containsExactly(key("dir-2.csv"), key("dir/sub/deep.bin"), key("dir/x.csv"), key("dirt.bin"));
      assertThat(keysOf(destination.list(key("dir/"), null, 100))).containsExactly(key("dir/sub/deep.bin"), key("dir/x.csv"));
      assertThat(keysOf(destination.list(key("dir/s"), null, 100))).containsExactly(key("dir/sub/deep.bin"));
      assertThat(keysOf(destination.list(key("a.csv"), null, 100))).containsExactly(key("a.csv"));
      assertThat(destination.list(key("nothing"), null, 100)).isEmpty();
      assertThat(destination.list(key("dir/x.csv/"), null, 100)).isEmpty();
    }

    @Test
    @DisplayName("paging with startAfter goes through more than one page, each key once, in order, the last page short")
    void paging() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 23; i++) {
        names.add("page/" + (i % 3) + "/k-" + String.format("%02d", i) + ".bin");
      }
      List<String> expected = sorted(putAll(names));
      for (int pageSize : new int[] {1, 5, 23, 100}) {
        assertThat(keysOf(listAll(key("page/"), pageSize))).as("pages of %d", pageSize).containsExactlyElementsOf(expected);
      }
      List<ObjectInfo> first = destination.list(key("page/"), null, 5);
      List<ObjectInfo> second = destination.list(key("page/"), first.get(4).key(), 5);
      assertThat(keysOf(first)).containsExactlyElementsOf(expected.subList(0, 5));
      assertThat(keysOf(second)).containsExactlyElementsOf(expected.subList(5, 10));
      assertThat(destination.list(key("page/"), expected.get(22), 5)).isEmpty();
    }

    @Test
    @DisplayName("startAfter need not be a stored key: listing resumes at the first key after it")
    void startAfterAnyString() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        names.add("s/" + (i % 3) + "/k-" + String.format("%02d", i) + ".bin");
      }
      names.add("s/1-x.bin");
      List<String> expected = sorted(putAll(names));
      for (String after : List.of(key(""), key("s/1"), key("s/1/"), key("s/1/k-99"), key("s/1-"), key("s/0/k-03.bin"), key("s/9"),
          key("r"))) {
        List<String> rest = expected.stream().filter(k -> ObjectKeys.ORDER.compare(k, after) > 0).toList();
        assertThat(keysOf(destination.list(key("s/"), after, 100))).as("after '%s'", after).containsExactlyElementsOf(rest);
        assertThat(keysOf(destination.list(key("s/"), after, 2))).as("2 after '%s'", after)
            .containsExactlyElementsOf(rest.subList(0, Math.min(2, rest.size())));
      }
    }

    @Test
    @DisplayName("limit caps a page, and a limit below 1 is refused")
    void limit() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      List<String> expected = sorted(putAll(List.of("l/1", "l/2", "l/3", "l/4")));
      assertThat(keysOf(destination.list(key("l/"), null, 2))).containsExactlyElementsOf(expected.subList(0, 2));
      assertThat(keysOf(destination.list(key("l/"), null, 4))).containsExactlyElementsOf(expected);
      assertThatThrownBy(() -> destination.list(key("l/"), null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("with an empty prefix every object is listed, in order")
    void emptyPrefix() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      List<String> expected = sorted(putAll(List.of("e/b.bin", "e/a/c.bin", "e-top.bin")));
      List<String> all = keysOf(listAll("", 2));
      assertThat(all).isSortedAccordingTo(ObjectKeys.ORDER).doesNotHaveDuplicates().containsSubsequence(expected);
      assertThat(all).noneMatch(k -> k.startsWith(".dualpush"));
    }

    @Test
    @DisplayName("keys with non-ASCII characters and spaces are listed as written, in UTF-8 order")
    void unicodeKeys() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      List<String> expected = sorted(putAll(List.of("données/日本語 file.csv", "données/a b.csv", "données-x.csv", "donnees.csv",
          "données/ü.csv")));
      assertThat(keysOf(destination.list(key(""), null, 100))).containsExactlyElementsOf(expected);
      assertThat(keysOf(listAll(key("donn"), 1))).containsExactlyElementsOf(expected);
      assertThat(keysOf(destination.list(key("données/"), key("données/a b.csv"), 100)))
          .containsExactly(key("données/ü.csv"), key("données/日本語 file.csv"));
    }

    @Test
    @DisplayName("a deleted object is no longer listed, and a replaced one is listed once, as it is now")
    void deletedAndReplaced() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      putAll(List.of("d/gone.bin", "d/kept.bin", "d/replaced.bin"));
      destination.delete(key("d/gone.bin"));
      byte[] now = bytes("the replacement, longer than before");
      destination.put(write(key("d/replaced.bin"), now));
      List<ObjectInfo> listed = destination.list(key("d/"), null, 100);
      assertThat(keysOf(listed)).containsExactly(key("d/kept.bin"), key("d/replaced.bin"));
      assertThat(listed.get(1).size()).isEqualTo(now.length);
      listed.get(1).md5().ifPresent(md5 -> assertThat(md5).isEqualTo(Md5.of(now)));
    }

    @Test
    @DisplayName("a prefix with nothing under it lists nothing")
    void nothing() {
      assumeTrue(destination.supportsListing(), "the destination cannot list");
      assertThat(destination.list(key(""), null, 10)).isEmpty();
      assertThat(destination.list(key("x/"), key("x/a"), 1)).isEmpty();
    }
  }

  @Nested
  @DisplayName("health and description")
  class Health {
    @Test
    @DisplayName("probe reports a reachable destination healthy without throwing")
    void probeHealthy() {
      HealthStatus status = destination.probe();
      assertThat(status.healthy()).as("healthy: %s", status.detail()).isTrue();
      assertThat(status.latency().isNegative()).as("negative latency").isFalse();
      assertThat(status.detail()).isNotNull();
    }

    @Test
    @DisplayName("describe names the destination")
    void describeNotBlank() {
      assertThat(destination.describe()).isNotBlank();
    }
  }
}
