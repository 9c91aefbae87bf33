package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentCorruptedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.WriterClaim;
import io.dualpush.testkit.AzuriteExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The append-blob segment store against a real Azurite: names, conditional appends, the lease as the writer's claim. */
@DisplayName("AppendBlobSegmentStore against Azurite")
class AppendBlobSegmentStoreIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("segments");

  private static BlobServiceClient service;
  private static BlobContainerClient container;

  private final ServiceInterceptor interceptor = new ServiceInterceptor();
  private String prefix;
  private AppendBlobSegmentStore store;
  private WriterClaim claim;

  @BeforeAll
  static void connect() {
    service = AzuriteClients.service(azurite);
    container = AzuriteClients.freshContainer(service);
  }

  @AfterAll
  static void dropContainer() {
    container.deleteIfExists();
  }

  @BeforeEach
  void newStore() throws IOException {
    prefix = "logs/" + UUID.randomUUID();
    store = storeFor(prefix);
    claim = store.claim(false);
  }

  @AfterEach
  void release() throws IOException {
    interceptor.releaseAppends();
    if (claim != null) {
      claim.close();
    }
  }

  private AppendBlobSegmentStore storeFor(String p) {
    return new AppendBlobSegmentStore(interceptor.container(azurite, container.getBlobContainerName()), p,
        AppendBlobSegmentStore.MAX_BLOCKS_PER_SEGMENT, Duration.ofSeconds(60), Duration.ofSeconds(10),
        interceptor.nanos::get);
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String content(String blobName) {
    return container.getBlobClient(blobName).downloadContent().toString();
  }

  private static String readAll(SegmentReader reader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(3);
    long pos = 0;
    int n;
    while ((n = reader.read(buf.clear(), pos)) > 0) {
      out.write(buf.array(), 0, n);
      pos += n;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Nested
  @DisplayName("segments")
  class Segments {
    @Test
    @DisplayName("are append blobs named segment-<20 digits>.log under the prefix, numbered one after another, as logs "
        + "written by earlier releases name them")
    void namesOfEarlierReleases() throws IOException {
      assertThat(store.capabilities()).isEqualTo(new SegmentStore.Capabilities(4 * 1024 * 1024, 49_000, false, false,
          SegmentStore.Numbering.CONSECUTIVE));
      SegmentInfo first = store.create(1);
      assertThat(first).isEqualTo(new SegmentInfo(1, prefix + "/segment-00000000000000000001.log", 0));
      // A segment an earlier release wrote, with a block of records in it.
      AppendBlobClient older = container.getBlobClient(prefix + "/segment-00000000000000000002.log").getAppendBlobClient();
      older.create();
      older.appendBlock(new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);
      container.getBlobClient(prefix + "/segment-notanumber.log").getAppendBlobClient().create(); // not a segment
      assertThat(store.list()).containsExactly(first, new SegmentInfo(2, older.getBlobName(), 3));
      assertThat(store.description()).isEqualTo("azure:devstoreaccount1/" + container.getBlobContainerName() + "/" + prefix);
      assertThat(store.locate(first)).contains(first.name()).contains(container.getBlobContainerName());
    }

    @Test
    @DisplayName("create refuses a segment that exists and holds records, and adopts an empty one (a create whose "
        + "answer was lost)")
    void createExisting() throws IOException {
      SegmentInfo first = store.create(1);
      assertThat(store.create(1)).isEqualTo(first);
      store.append(first, 0, bytes("abc"));
      assertThatThrownBy(() -> store.create(1)).isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("another writer");
    }

    @Test
    @DisplayName("a dropped tail is marked, not cut: list and readers end at the valid length, the bytes stay")
    void dropTailMarks() throws IOException {
      SegmentInfo s = store.create(1);
      store.append(s, 0, bytes("whole-torn"));
      assertThat(store.dropTail(s, 5)).isFalse();
      assertThat(store.list()).containsExactly(s.withLength(5));
      try (SegmentReader reader = store.open(s)) {
        assertThat(reader.size()).isEqualTo(5);
        assertThat(readAll(reader)).isEqualTo("whole");
      }
      assertThat(content(s.name())).isEqualTo("whole-torn");
      assertThat(container.getBlobClient(s.name()).getProperties().getMetadata())
          .containsEntry(AppendBlobSegmentStore.VALID_LENGTH, "5");
    }

    @Test
    @DisplayName("a valid-length mark that is not a number is damage of that segment")
    void badMark() throws IOException {
      SegmentInfo s = store.create(1);
      container.getBlobClient(s.name()).setMetadata(Map.of(AppendBlobSegmentStore.VALID_LENGTH, "twelve"));
      assertThatThrownBy(store::list).isInstanceOf(SegmentCorruptedException.class)
          .hasMessageContaining("twelve")
          .satisfies(e -> assertThat(((SegmentCorruptedException) e).segment()).isEqualTo(s.name()));
    }

    @Test
    @DisplayName("a reader sees growth after it was opened, ends with -1, and names a segment deleted meanwhile")
    void reader() throws IOException {
      SegmentInfo s = store.create(1);
      store.append(s, 0, bytes("first"));
      SegmentInfo second = store.create(2);
      try (SegmentReader reader = store.open(s)) {
        assertThat(reader.size()).isEqualTo(5);
        store.append(s, 5, bytes("+more"));
        assertThat(reader.size()).isEqualTo(10);
        assertThat(readAll(reader)).isEqualTo("first+more");
        assertThat(reader.read(ByteBuffer.allocate(4), 10)).isEqualTo(-1);
      }
      store.delete(s);
      store.delete(s); // already gone: not an error
      assertThat(store.list()).containsExactly(second);
      try (SegmentReader gone = store.open(s)) {
        assertThatThrownBy(() -> gone.read(ByteBuffer.allocate(4), 0)).isInstanceOf(NoSuchFileException.class);
      }
    }

    @Test
    @DisplayName("a missing container is a permanent failure naming the container, without a secret")
    void missingContainer() {
      BlobContainerClient missing = service.getBlobContainerClient(AzuriteClients.freshContainerName());
      AppendBlobSegmentStore nowhere = new AppendBlobSegmentStore(missing, "logs/x", 10, Duration.ofSeconds(60),
          Duration.ofSeconds(10), System::nanoTime);
      assertThatThrownBy(nowhere::list).isInstanceOf(IOException.class)
          .hasMessageContaining("permanent")
          .hasMessageContaining(missing.getBlobContainerName())
          .hasMessageNotContaining(azurite.accountKey());
    }
  }

  @Nested
  @DisplayName("conditional appends")
  class Appends {
    @Test
    @DisplayName("land only where the log expects the blob to end; elsewhere nothing is written")
    void appendPosition() throws IOException {
      SegmentInfo s = store.create(1);
      store.append(s, 0, bytes("abc"));
      assertThatThrownBy(() -> store.append(s, 1, bytes("xyz"))).isInstanceOf(AppendPositionException.class)
          .hasMessageContaining(s.name())
          .satisfies(e -> assertThat(((AppendPositionException) e).expected()).isEqualTo(1));
      assertThat(content(s.name())).isEqualTo("abc");
    }

    @Test
    @DisplayName("a writer taken over learns it from the append position: a lost claim, the position failure its cause")
    void takenOver() throws IOException {
      SegmentInfo s = store.create(1);
      store.append(s, 0, bytes("abc"));
      AppendBlobSegmentStore next = storeFor(prefix);
      WriterClaim taken = next.claim(true);
      try {
        next.append(s, 3, bytes("new"));
        assertThatThrownBy(() -> store.append(s, 3, bytes("old"))).isInstanceOf(ClaimLostException.class)
            .hasMessageContaining("another writer took the log over").hasMessageContaining(s.name())
            .cause().isInstanceOf(AppendPositionException.class);
        assertThat(content(s.name())).isEqualTo("abcnew");
      } finally {
        taken.close();
      }
    }

    @Test
    @DisplayName("a block that already landed at the expected offset (a retried request) is not appended twice")
    void retriedBlock() throws IOException {
      SegmentInfo s = store.create(1);
      store.append(s, 0, bytes("abc"));
      store.append(s, 0, bytes("abc"));
      assertThat(content(s.name())).isEqualTo("abc");
      assertThatThrownBy(() -> store.append(s, 0, bytes("abd"))).isInstanceOf(AppendPositionException.class);
    }

    @Test
    @DisplayName("an append whose answer was lost after it landed is found in the blob and succeeds, once")
    void lostAnswer() throws IOException {
      SegmentInfo s = store.create(1);
      interceptor.loseAppendResponses(10); // every try of the SDK's retry policy
      store.append(s, 0, bytes("abc"));
      interceptor.loseAppendResponses(0);
      assertThat(content(s.name())).isEqualTo("abc");
      store.append(s, 3, bytes("def"));
      assertThat(content(s.name())).isEqualTo("abcdef");
    }

    @Test
    @DisplayName("an append that failed before reaching the service throws an I/O failure saying it is transient, "
        + "and wrote nothing")
    void failedBeforeSending() throws IOException {
      SegmentInfo s = store.create(1);
      interceptor.failAppendsBeforeSending(10);
      assertThatThrownBy(() -> store.append(s, 0, bytes("abc"))).isInstanceOf(IOException.class)
          .isNotInstanceOf(AppendPositionException.class)
          .hasMessageContaining("transient");
      interceptor.failAppendsBeforeSending(0);
      assertThat(content(s.name())).isEmpty();
      store.append(s, 0, bytes("abc"));
      assertThat(content(s.name())).isEqualTo("abc");
    }
  }

  @Nested
  @DisplayName("a call stuck in the network")
  class Stuck {
    @Test
    @DisplayName("is abandoned once the lease could run out, as a transient failure, and its block is not appended "
        + "later by the store")
    void abandonedWhenTheLeaseCouldRunOut() throws IOException {
      SegmentInfo s = store.create(1);
      interceptor.advance(Duration.ofSeconds(49)); // 1 s left of 60 - 10
      interceptor.holdAppends();
      assertThatThrownBy(() -> store.append(s, 0, bytes("stuck"))).isInstanceOf(IOException.class)
          .isNotInstanceOf(AppendPositionException.class)
          .hasMessageContaining("transient");
      assertThat(interceptor.held.get()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("the writer's claim")
  class Claim {
    @Test
    @DisplayName("is refused while another writer holds the lease, naming container and prefix")
    void refused() {
      assertThatThrownBy(() -> storeFor(prefix).claim(false)).isInstanceOf(ClaimRefusedException.class)
          .hasMessageContaining(container.getBlobContainerName())
          .hasMessageContaining(prefix)
          .hasMessageContaining("already open");
    }

    @Test
    @DisplayName("is lost, by the lease clock counted from before the acquire was sent, before the lease can run out")
    void lostByTheClock() throws IOException {
      claim.close();
      interceptor.leaseCallsTake(Duration.ofSeconds(45));
      AppendBlobSegmentStore slow = storeFor(prefix);
      claim = slow.claim(false);
      SegmentInfo s = slow.create(1);
      interceptor.advance(Duration.ofSeconds(4)); // 49 s of 60, margin 10
      claim.ensureHeld();
      interceptor.advance(Duration.ofSeconds(2));
      assertThatThrownBy(claim::ensureHeld).isInstanceOf(ClaimLostException.class)
          .hasMessageContaining("could not renew its writer's lease in time");
      assertThatThrownBy(() -> slow.append(s, 0, bytes("late"))).isInstanceOf(ClaimLostException.class);
      assertThat(content(s.name())).isEmpty();
    }

    @Test
    @DisplayName("taken over by another writer, deletes nothing and appends nothing behind the new writer's back")
    void takenOver() throws IOException {
      SegmentInfo first = store.create(1);
      store.append(first, 0, bytes("one"));
      SegmentInfo second = store.create(2);
      AppendBlobSegmentStore fresh = storeFor(prefix);
      WriterClaim freshClaim = fresh.claim(true);
      try {
        fresh.append(second, 0, bytes("new"));
        assertThatThrownBy(() -> store.delete(first)).isInstanceOf(ClaimLostException.class)
            .hasMessageContaining("another writer");
        assertThat(store.list()).extracting(SegmentInfo::number).containsExactly(1L, 2L);
        assertThatThrownBy(() -> store.append(second, 0, bytes("old"))).isInstanceOf(IOException.class);
        assertThat(content(second.name())).isEqualTo("new");
      } finally {
        freshClaim.close();
      }
    }

    @Test
    @DisplayName("released on close, so the next writer claims the log at once")
    void released() throws IOException {
      claim.close();
      claim = storeFor(prefix).claim(false);
      claim.ensureHeld();
    }
  }
}
