package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.dualpush.DestinationException;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.GeneratedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

@DisplayName("AzureBlobDestination: what it stores and how it fails")
class AzureBlobDestinationErrorsIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("errors");

  private static final String SAS_SIGNATURE = "TOPSECRETSIGNATUREVALUE";
  private static BlobServiceClient service;

  @BeforeAll
  static void connect() {
    service = AzuriteClients.service(azurite);
  }

  private static WriteRequest write(String key, byte[] content) {
    return new WriteRequest(key, content.length, Md5.of(content), "text/plain", Map.of("owner", "gold"),
        "txn-1", "dataset-7", OptionalLong.of(42), () -> new ByteArrayInputStream(content));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** No secret anywhere in the exception, its causes, or their stack-trace text. */
  private static void assertNoSecret(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      String text = t.toString();
      assertThat(text).doesNotContain(azurite.accountKey()).doesNotContain("AccountKey=")
          .doesNotContain(SAS_SIGNATURE).doesNotContain(azurite.accountKey().substring(0, 20));
      for (Throwable s : t.getSuppressed()) {
        assertNoSecret(s);
      }
    }
  }

  @Nested
  @DisplayName("what a put stores")
  class Stored {
    @Test
    @DisplayName("a block upload sets the whole blob's Content-MD5, content type and dualpush metadata")
    void blockUploadSetsMd5AndMetadata() throws IOException {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container,
          AzureBlobOptions.builder().blockSize(64 * 1024).singleShotThreshold(0).maxConcurrency(3).build());
      long size = 1024 * 1024 + 123;
      String md5;
      try (InputStream in = new GeneratedInputStream(size, 3)) {
        md5 = Md5.of(in).base64();
      }
      WriteRequest request = new WriteRequest("big/one.bin", size, md5, "application/x-test", Map.of("owner", "gold"),
          "txn-9", "dataset-7", OptionalLong.of(5), () -> new GeneratedInputStream(size, 3));
      PutResult result = destination.put(request);
      assertThat(result.written()).isTrue();
      assertThat(result.md5()).isEqualTo(md5);

      BlobProperties props = container.getBlobClient("big/one.bin").getProperties();
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(md5);
      assertThat(props.getContentType()).isEqualTo("application/x-test");
      assertThat(props.getBlobSize()).isEqualTo(size);
      assertThat(props.getMetadata()).containsEntry("dualpush_txn", "txn-9").containsEntry("dualpush_dataset", "dataset-7")
          .containsEntry("dualpush_fencing", "5").containsEntry("owner", "gold");
      assertThat(container.getBlobClient("big/one.bin").getBlockBlobClient().listBlocks(BlockListType.COMMITTED)
          .getCommittedBlocks()).hasSize(17);

      ObjectInfo info = destination.head("big/one.bin").orElseThrow();
      assertThat(info.md5()).hasValue(md5);
      assertThat(info.metadata()).containsExactlyEntriesOf(Map.of("owner", "gold"));
      assertThat(destination.fencingToken("big/one.bin")).hasValue(5);
    }

    @Test
    @DisplayName("a single-shot upload sets Content-MD5 too; a re-put of the same bytes uploads nothing")
    void singleShotAndIdempotent() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      byte[] content = bytes("small object");
      PutResult first = destination.put(write("s.txt", content));
      assertThat(first.written()).isTrue();
      BlobProperties props = container.getBlobClient("s.txt").getProperties();
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(Md5.of(content));
      PutResult again = destination.put(write("s.txt", content));
      assertThat(again.written()).isFalse();
      assertThat(container.getBlobClient("s.txt").getProperties().getETag()).isEqualTo(props.getETag());
    }

    @Test
    @DisplayName("a payload of the declared size but other bytes is written as read, with its own MD5")
    void otherBytesSameSize() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      byte[] declared = bytes("declared bytes");
      byte[] actual = bytes("actual  bytes!");
      assertThat(actual).hasSameSizeAs(declared);
      WriteRequest lying = new WriteRequest("o.txt", declared.length, Md5.of(declared), "text/plain", Map.of(),
          "txn-1", "", OptionalLong.empty(), () -> new ByteArrayInputStream(actual));
      PutResult result = destination.put(lying);
      assertThat(result.md5()).isEqualTo(Md5.of(actual));
      assertThat(container.getBlobClient("o.txt").downloadContent().toBytes()).isEqualTo(actual);
      BlobProperties props = container.getBlobClient("o.txt").getProperties();
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(Md5.of(actual));
    }

    @Test
    @DisplayName("bytes changed on the way are refused by the service, never stored, and sent again")
    void changedInTransit() {
      Corrupt corrupt = new Corrupt(1);
      BlobContainerClient container = corrupting(corrupt);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      byte[] content = bytes("gold partition 0001");
      PutResult result = destination.put(write("t.bin", content));
      assertThat(corrupt.corrupted.get()).isEqualTo(1);
      assertThat(result.md5()).isEqualTo(Md5.of(content));
      assertThat(container.getBlobClient("t.bin").downloadContent().toBytes()).isEqualTo(content);
    }

    @Test
    @DisplayName("bytes changed on every attempt fail the put and leave nothing under the key")
    void alwaysChangedInTransit() {
      Corrupt corrupt = new Corrupt(Integer.MAX_VALUE);
      BlobContainerClient container = corrupting(corrupt);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      DestinationException e = catchThrowableOfType(() -> destination.put(write("u.bin", bytes("partition 2"))),
          DestinationException.class);
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).contains("u.bin");
      assertThat(corrupt.corrupted.get()).isGreaterThanOrEqualTo(2);
      assertThat(container.getBlobClient("u.bin").exists()).isFalse();
    }

    /** A container client whose Put Blob requests go through {@code corrupt}. */
    private BlobContainerClient corrupting(Corrupt corrupt) {
      String name = AzuriteClients.freshContainerName();
      service.createBlobContainer(name);
      return new BlobServiceClientBuilder().connectionString(azurite.connectionString())
          .retryOptions(AzuriteClients.quickRetries()).addPolicy(corrupt).buildClient().getBlobContainerClient(name);
    }

    @Test
    @DisplayName("describe names account and container, and nothing else")
    void describe() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      assertThat(destination.describe()).isEqualTo("azure:devstoreaccount1/" + container.getBlobContainerName());
      assertThat(destination.toString()).doesNotContain(azurite.accountKey());
    }
  }

  @Nested
  @DisplayName("what a put of a new small object sends")
  class Requests {
    /** A container client whose requests are recorded by {@code recorder}. */
    private BlobContainerClient recording(Recorder recorder) {
      String name = AzuriteClients.freshContainerName();
      service.createBlobContainer(name);
      return new BlobServiceClientBuilder().connectionString(azurite.connectionString())
          .retryOptions(AzuriteClients.quickRetries()).addPolicy(recorder).buildClient().getBlobContainerClient(name);
    }

    @Test
    @DisplayName("one create-only Put Blob carrying the source MD5, and no blob MD5 header: the service stores the MD5 it checked")
    void onePutWithSourceMd5() {
      Recorder recorder = new Recorder();
      BlobContainerClient container = recording(recorder);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      byte[] content = bytes("gold partition 0007");
      PutResult result = destination.put(write("p/one.bin", content));

      assertThat(result.written()).isTrue();
      assertThat(recorder.requests).hasSize(1);
      HttpRequest put = recorder.requests.get(0);
      assertThat(put.getHttpMethod()).isEqualTo(HttpMethod.PUT);
      assertThat(put.getHeaders().getValue("If-None-Match")).isEqualTo("*");
      assertThat(put.getHeaders().getValue("Content-MD5")).isEqualTo(Md5.of(content));
      assertThat(put.getHeaders().get("x-ms-blob-content-md5")).isNull();
      assertThat(put.getHeaders().getValue("x-ms-blob-content-type")).isEqualTo("text/plain");
      assertThat(put.getHeaders().getValue("x-ms-meta-dualpush_txn")).isEqualTo("txn-1");

      BlobProperties props = container.getBlobClient("p/one.bin").getProperties();
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(Md5.of(content));
      assertThat(props.getContentType()).isEqualTo("text/plain");
      assertThat(destination.head("p/one.bin").orElseThrow().md5()).hasValue(Md5.of(content));
    }

    @Test
    @DisplayName("the default content type is left to the service, which stores the same type")
    void defaultContentType() {
      Recorder recorder = new Recorder();
      BlobContainerClient container = recording(recorder);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      byte[] content = bytes("octets");
      destination.put(new WriteRequest("p/octets.bin", content.length, Md5.of(content),
          AzureBlobDestination.DEFAULT_CONTENT_TYPE, Map.of(), "txn-2", "", OptionalLong.empty(),
          () -> new ByteArrayInputStream(content)));

      assertThat(recorder.requests).hasSize(1);
      assertThat(recorder.requests.get(0).getHeaders().get("x-ms-blob-content-type")).isNull();
      BlobProperties props = container.getBlobClient("p/octets.bin").getProperties();
      assertThat(props.getContentType()).isEqualTo("application/octet-stream");
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(Md5.of(content));
    }

    @Test
    @DisplayName("keys that need escaping in a URL land under themselves, put after put from one thread")
    void escapedKeysFromOneThread() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      for (String key : java.util.List.of("a b/c+d.txt", "100%/x.bin", "über/ümlaut é.txt", "q?x=1&y#z.bin", "plain.bin")) {
        byte[] content = bytes("content of " + key);
        destination.put(write(key, content));
        assertThat(container.getBlobClient(key).downloadContent().toBytes()).as(key).isEqualTo(content);
        assertThat(destination.head(key)).as(key).isPresent();
      }
      assertThat(container.listBlobs().stream().count()).isEqualTo(5);
    }
  }

  /** Keeps every request the client sends, in order. */
  static final class Recorder implements HttpPipelinePolicy {
    final java.util.List<HttpRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      requests.add(context.getHttpRequest());
      return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      requests.add(context.getHttpRequest());
      return next.processSync();
    }
  }

  @Nested
  @DisplayName("failures")
  class Failures {
    @Test
    @DisplayName("a container that does not exist is a permanent failure naming the container")
    void missingContainer() {
      String name = AzuriteClients.freshContainerName();
      AzureBlobDestination destination = new AzureBlobDestination(service.getBlobContainerClient(name));
      DestinationException put = catchThrowableOfType(DestinationException.class,
          () -> destination.put(write("k.txt", bytes("x"))));
      assertThat(put.isTransient()).isFalse();
      assertThat(put.getMessage()).contains(name).contains("devstoreaccount1").contains("k.txt").contains("does not exist");
      assertNoSecret(put);
      DestinationException head = catchThrowableOfType(DestinationException.class, () -> destination.head("k.txt"));
      assertThat(head.isTransient()).isFalse();
      HealthStatus health = destination.probe();
      assertThat(health.healthy()).isFalse();
      assertThat(health.detail()).contains(name).doesNotContain(azurite.accountKey());
    }

    @Test
    @DisplayName("Azurite stopped: put, head, get and delete fail transiently, probe says unhealthy, no secret anywhere")
    void stoppedIsTransient() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      destination.put(write("k.txt", bytes("before the outage")));
      azurite.stop();
      for (Runnable call : new Runnable[] {
          () -> destination.put(write("k2.txt", bytes("during the outage"))),
          () -> destination.head("k.txt"),
          () -> destination.get("k.txt"),
          () -> destination.delete("k.txt")}) {
        DestinationException e = catchThrowableOfType(DestinationException.class, call::run);
        assertThat(e.isTransient()).as("transient: %s", e.getMessage()).isTrue();
        assertThat(e.getMessage()).contains(container.getBlobContainerName()).contains("devstoreaccount1");
        assertNoSecret(e);
      }
      HealthStatus health = destination.probe();
      assertThat(health.healthy()).isFalse();
      assertThat(health.detail()).doesNotContain(azurite.accountKey());
    }

    @Test
    @DisplayName("a wrong account key is a permanent authentication failure that never shows the key")
    void wrongKey() {
      String wrongKey = Base64.getEncoder().encodeToString(bytes("not the key of this account, at all!!"));
      BlobServiceClient wrong = new BlobServiceClientBuilder()
          .endpoint(azurite.blobEndpoint())
          .credential(new StorageSharedKeyCredential(azurite.accountName(), wrongKey))
          .retryOptions(AzuriteClients.quickRetries())
          .buildClient();
      String name = AzuriteClients.freshContainer(service).getBlobContainerName();
      AzureBlobDestination destination = new AzureBlobDestination(wrong.getBlobContainerClient(name));
      DestinationException e = catchThrowableOfType(DestinationException.class,
          () -> destination.put(write("k.txt", bytes("x"))));
      assertThat(e.isTransient()).isFalse();
      assertThat(e.getMessage()).contains("authentication").contains(name);
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertThat(t.toString()).doesNotContain(wrongKey);
      }
      assertNoSecret(e);
    }

    @Test
    @DisplayName("a SAS token's signature never appears in a failure, refused or unreachable")
    void sasNeverLeaks() {
      String name = AzuriteClients.freshContainer(service).getBlobContainerName();
      String sas = "sv=2023-11-03&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=" + SAS_SIGNATURE;
      BlobServiceClient sasClient = new BlobServiceClientBuilder()
          .endpoint(azurite.blobEndpoint())
          .sasToken(sas)
          .retryOptions(AzuriteClients.quickRetries())
          .buildClient();
      AzureBlobDestination destination = new AzureBlobDestination(sasClient.getBlobContainerClient(name));
      DestinationException refused = catchThrowableOfType(DestinationException.class,
          () -> destination.put(write("k.txt", bytes("x"))));
      assertThat(refused.isTransient()).isFalse();
      assertNoSecret(refused);
      azurite.stop();
      DestinationException unreachable = catchThrowableOfType(DestinationException.class,
          () -> destination.put(write("k.txt", bytes("x"))));
      assertThat(unreachable.isTransient()).isTrue();
      assertNoSecret(unreachable);
      assertThat(destination.probe().detail()).doesNotContain(SAS_SIGNATURE);
    }

    @Test
    @DisplayName("after a restart the blobs written before the outage are still there")
    void restartKeepsData() {
      BlobContainerClient container = AzuriteClients.freshContainer(service);
      AzureBlobDestination destination = new AzureBlobDestination(container);
      destination.put(write("keep.txt", bytes("kept")));
      azurite.stop();
      try {
        azurite.start();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      assertThat(destination.head("keep.txt")).isPresent();
    }
  }

  /** Flips the first byte of the body of the first {@code times} Put Blob requests, as a faulty network might. */
  static final class Corrupt implements HttpPipelinePolicy {
    final AtomicInteger corrupted = new AtomicInteger();
    private final int times;

    Corrupt(int times) {
      this.times = times;
    }

    private void maybeCorrupt(HttpRequest request) {
      boolean putBlob = request.getHttpMethod() == HttpMethod.PUT && request.getUrl().getQuery() == null
          && request.getBody() != null;
      if (putBlob && corrupted.get() < times) {
        byte[] body = request.getBodyAsBinaryData().toBytes();
        if (body.length > 0) {
          body[0] ^= 0x20;
          request.setBody(BinaryData.fromBytes(body));
          corrupted.incrementAndGet();
        }
      }
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      maybeCorrupt(context.getHttpRequest());
      return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      maybeCorrupt(context.getHttpRequest());
      return next.processSync();
    }
  }
}
