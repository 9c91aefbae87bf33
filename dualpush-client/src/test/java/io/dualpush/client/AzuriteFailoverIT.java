package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.client.ReadAttempt.Outcome;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.HttpObjectServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The read client against two real blob services (Azurite), with objects pushed by a real {@link DualPushClient}, so
 * the receipts and the stored Content-MD5 are real: an outage, a frozen server, a CDN in front of each with faults,
 * SAS URLs read directly, and read-your-writes after a partial push. Every read must return the source bytes, from
 * the endpoint the case expects.
 */
@DisplayName("FailoverReadClient over two Azurite regions")
class AzuriteFailoverIT {
  @RegisterExtension static AzuriteExtension primary = new AzuriteExtension("read-primary");
  @RegisterExtension static AzuriteExtension secondary = new AzuriteExtension("read-secondary");

  private static final String KEY = "gold/facts/part 0001 ünï.bin";
  private static final byte[] SOURCE = bytes(96 * 1024, 2026);
  private static final String SOURCE_MD5 = Md5.of(SOURCE);

  @TempDir Path logDir;
  private BlobContainerClient primaryContainer;
  private BlobContainerClient secondaryContainer;
  private DualPushClient pusher;
  private PushReceipt receipt;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A service client on the JDK HTTP client, trying once: the read client does the failing over. */
  private static BlobServiceClient service(AzuriteExtension azurite, int tries) {
    return new BlobServiceClientBuilder()
        .connectionString(azurite.connectionString())
        .httpClient(new JdkHttpClientBuilder().build())
        .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, tries, Duration.ofSeconds(30),
            Duration.ofMillis(100), Duration.ofMillis(100), null))
        .buildClient();
  }

  @BeforeEach
  void pushToBothRegions() {
    String name = "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 20);
    primaryContainer = service(primary, 2).createBlobContainer(name);
    secondaryContainer = service(secondary, 2).createBlobContainer(name);
    pusher = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").timeout(Duration.ofSeconds(30)).build(),
            new AzureBlobDestination(primaryContainer))
        .destination(DestinationOptions.builder("secondary").timeout(Duration.ofSeconds(30)).build(),
            new AzureBlobDestination(secondaryContainer))
        .transactionLog(logDir)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(100))
            .maxDelay(Duration.ofMillis(200)).build())
        .circuitBreaker(CircuitBreakerOptions.disabled())
        .repair(RepairOptions.builder().enabled(false).build())
        .buildClient();
    receipt = pusher.push(KEY, SOURCE);
    assertThat(receipt.state()).as(receipt.describeCopies()).isEqualTo(TransactionState.VERIFIED);
    assertThat(receipt.md5()).isEqualTo(SOURCE_MD5);
  }

  @AfterEach
  void closeEverything() throws Exception {
    primary.resume();
    secondary.resume();
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
    if (pusher != null) {
      pusher.close();
    }
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeAfter.add(closeable);
    return closeable;
  }

  /** Reads each region through a destination of its own, whose Azure client tries once. */
  private FailoverReadClientBuilder destinations() {
    BlobContainerClient p = service(primary, 1).getBlobContainerClient(primaryContainer.getBlobContainerName());
    BlobContainerClient s = service(secondary, 1).getBlobContainerClient(secondaryContainer.getBlobContainerName());
    return new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.of("primary", new AzureBlobDestination(p)))
        .endpoint(ReadEndpoint.of("secondary", new AzureBlobDestination(s)).withPriority(1));
  }

  private static void assertSource(ReadResult result, String endpointId) {
    assertThat(Md5.of(result.toByteArray())).as("MD5 of the bytes returned").isEqualTo(SOURCE_MD5);
    assertThat(result.size()).isEqualTo(SOURCE.length);
    assertThat(result.endpointId()).as("the endpoint that served the read").isEqualTo(endpointId);
    assertThat(result.fromCache()).isFalse();
  }

  private static void assertFailedOver(ReadResult result, String from, Outcome outcome, String to) {
    assertSource(result, to);
    assertThat(result.attempts()).extracting(ReadAttempt::endpointId, ReadAttempt::outcome)
        .containsExactly(tuple(from, outcome), tuple(to, Outcome.SUCCEEDED));
  }

  @Test
  @DisplayName("a healthy pair serves the primary's copy, checked against its stored Content-MD5 and the receipt")
  void healthy() {
    try (FailoverReadClient reader = destinations().buildClient()) {
      ReadResult plain = reader.read(KEY).orElseThrow();
      assertSource(plain, "primary");
      assertThat(plain.digestSource()).isEqualTo(DigestSource.STORED);
      ReadResult after = reader.read(ReadRequest.of(KEY).after(receipt)).orElseThrow();
      assertSource(after, "primary");
      assertThat(after.digestSource()).isEqualTo(DigestSource.RECEIPT);
    }
  }

  @Test
  @DisplayName("connection refused: with the primary Azurite stopped, reads fail over to the secondary")
  void primaryStopped() throws Exception {
    try (FailoverReadClient reader = destinations().buildClient()) {
      primary.stop();
      try {
        assertFailedOver(reader.read(KEY).orElseThrow(), "primary", Outcome.FAILED, "secondary");
        // Read-your-writes may use the secondary too: the push verified both copies.
        ReadResult after = reader.read(ReadRequest.of(KEY).after(receipt)).orElseThrow();
        assertSource(after, "secondary");
        assertThat(after.digestSource()).isEqualTo(DigestSource.RECEIPT);
      } finally {
        primary.start();
      }
    }
  }

  @Test
  @DisplayName("accepts and hangs: with the primary Azurite frozen (SIGSTOP), the try times out and the read fails "
      + "over")
  void primaryFrozenTimesOut() {
    try (FailoverReadClient reader = destinations().attemptTimeout(Duration.ofSeconds(1))
        .hedging(HedgeOptions.disabled()).buildClient()) {
      primary.pause();
      try {
        assertFailedOver(reader.read(KEY).orElseThrow(), "primary", Outcome.TIMED_OUT, "secondary");
      } finally {
        primary.resume();
      }
    }
  }

  @Test
  @DisplayName("accepts and hangs, with hedging: a hedge to the secondary wins and the frozen try is cancelled")
  void primaryFrozenHedged() {
    try (FailoverReadClient reader = destinations().attemptTimeout(Duration.ofMinutes(2))
        .hedging(HedgeOptions.builder().minDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(100)).budget(1)
            .burst(5).build())
        .buildClient()) {
      primary.pause();
      try {
        ReadResult result = reader.read(KEY).orElseThrow();
        assertFailedOver(result, "primary", Outcome.CANCELLED, "secondary");
        assertThat(result.hedges()).isEqualTo(1);
      } finally {
        primary.resume();
      }
    }
  }

  /** A fault an {@link HttpObjectServer} in front of the primary's container adds. */
  enum CdnFault {
    LATENCY(Outcome.TIMED_OUT) {
      @Override
      void apply(HttpObjectServer cdn) {
        cdn.latency(Duration.ofSeconds(30));
      }
    },
    STATUS_500(Outcome.FAILED) {
      @Override
      void apply(HttpObjectServer cdn) {
        cdn.failNext(1, 500);
      }
    },
    CORRUPT(Outcome.CORRUPT) {
      @Override
      void apply(HttpObjectServer cdn) {
        cdn.corruptNext(1);
      }
    },
    TRUNCATED(Outcome.FAILED) {
      @Override
      void apply(HttpObjectServer cdn) {
        cdn.truncateNext(1);
      }
    };

    final Outcome outcome;

    CdnFault(Outcome outcome) {
      this.outcome = outcome;
    }

    abstract void apply(HttpObjectServer cdn);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CdnFault.class)
  @DisplayName("a CDN over each region's blob storage: a fault on the primary's CDN fails the read over to the "
      + "secondary's")
  void cdnFaults(CdnFault fault) {
    HttpObjectServer primaryCdn = closing(HttpObjectServer.start(new AzureBlobDestination(primaryContainer)));
    HttpObjectServer secondaryCdn = closing(HttpObjectServer.start(new AzureBlobDestination(secondaryContainer)));
    try (FailoverReadClient reader = new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.http("primary-cdn", primaryCdn.baseUri()).withCopyOf("primary"))
        .endpoint(ReadEndpoint.http("secondary-cdn", secondaryCdn.baseUri()).withCopyOf("secondary").withPriority(1))
        .attemptTimeout(Duration.ofSeconds(2))
        .hedging(HedgeOptions.disabled())
        .buildClient()) {
      // The CDN really serves the blob.
      assertSource(reader.read(KEY).orElseThrow(), "primary-cdn");

      fault.apply(primaryCdn);
      // A fresh read after a fault: read-your-writes, checked against the receipt's MD5.
      ReadResult result = reader.read(ReadRequest.of(KEY).after(receipt)).orElseThrow();
      assertFailedOver(result, "primary-cdn", fault.outcome, "secondary-cdn");
      assertThat(result.digestSource()).isEqualTo(DigestSource.RECEIPT);
      assertThat(secondaryCdn.requestsFor(KEY)).isEqualTo(1);
    }
  }

  private static String containerSas(BlobContainerClient container) {
    BlobServiceSasSignatureValues values = new BlobServiceSasSignatureValues(OffsetDateTime.now().plusHours(1),
        new BlobContainerSasPermission().setReadPermission(true));
    return container.generateSas(values);
  }

  private static String signatureOf(String sas) {
    for (String part : sas.split("&")) {
      if (part.startsWith("sig=")) {
        return part.substring(4);
      }
    }
    throw new AssertionError("no signature in the SAS");
  }

  @Test
  @DisplayName("SAS URLs read directly: an outage and a frozen server fail over or fail, and the token never leaks")
  void sasUrls() throws Exception {
    String primarySas = containerSas(primaryContainer);
    String secondarySas = containerSas(secondaryContainer);
    URI primaryBase = URI.create(primaryContainer.getBlobContainerUrl() + "/?" + primarySas);
    URI secondaryBase = URI.create(secondaryContainer.getBlobContainerUrl() + "/?" + secondarySas);
    List<String> secrets = new ArrayList<>();
    for (String sas : List.of(primarySas, secondarySas)) {
      String sig = signatureOf(sas);
      secrets.add(sas);
      secrets.add(sig);
      secrets.add(URLDecoder.decode(sig, StandardCharsets.UTF_8));
    }

    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> seen = new ArrayList<>();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (FailoverReadClient reader = new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.http("primary-sas", primaryBase).withCopyOf("primary"))
        .endpoint(ReadEndpoint.http("secondary-sas", secondaryBase).withCopyOf("secondary").withPriority(1))
        .attemptTimeout(Duration.ofSeconds(1))
        .hedging(HedgeOptions.disabled())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1).openDelay(Duration.ofMillis(1)).build())
        .buildClient()) {
      // Azurite serves the blob to the SAS URL with its stored Content-MD5.
      ReadResult direct = reader.read(KEY).orElseThrow();
      assertSource(direct, "primary-sas");
      assertThat(direct.digestSource()).isEqualTo(DigestSource.STORED);

      primary.stop();
      try {
        ReadResult result = reader.read(KEY).orElseThrow();
        assertFailedOver(result, "primary-sas", Outcome.FAILED, "secondary-sas");
        seen.add(result.toString());

        secondary.pause();
        try {
          AllEndpointsFailedException e = catchThrowableOfType(AllEndpointsFailedException.class,
              () -> reader.read(ReadRequest.of(KEY).after(receipt)));
          assertThat(e).isNotNull();
          assertThat(e.attempts()).extracting(ReadAttempt::endpointId)
              .containsExactlyInAnyOrder("primary-sas", "secondary-sas");
          StringWriter trace = new StringWriter();
          e.printStackTrace(new PrintWriter(trace));
          seen.add(trace.toString());
        } finally {
          secondary.resume();
        }
      } finally {
        primary.start();
      }
      for (ReadEndpoint endpoint : reader.endpoints()) {
        seen.add(endpoint.describe());
        seen.add(endpoint.toString());
      }
      seen.add(reader.health().toString());
    } finally {
      System.err.flush();
      System.setErr(originalErr);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    originalErr.print(logs);
    // The capture worked: the breaker's warning names the endpoint.
    assertThat(logs).contains("Read endpoint primary-sas (");
    seen.add(logs);
    for (String text : seen) {
      for (String secret : secrets) {
        assertThat(text).doesNotContain(secret);
      }
      assertThat(text).doesNotContain("sig=");
    }
  }

  @Test
  @DisplayName("read-your-writes after a partial push: only the copy the push verified is read, never the stale one")
  void readYourWritesAfterPartialPush() throws Exception {
    byte[] newer = bytes(64 * 1024, 2027);
    PushReceipt partial;
    secondary.stop();
    try {
      PushFailedException failed = catchThrowableOfType(PushFailedException.class, () -> pusher.push(KEY, newer));
      assertThat(failed).isNotNull();
      partial = failed.receipt();
    } finally {
      secondary.start();
    }
    assertThat(partial.state()).as(partial.describeCopies()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
    assertThat(partial.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
    assertThat(partial.copy("secondary").orElseThrow().status()).isNotEqualTo(CopyStatus.VERIFIED);

    // The secondary, which still holds the older bytes, is the preferred endpoint.
    BlobContainerClient p = service(primary, 1).getBlobContainerClient(primaryContainer.getBlobContainerName());
    BlobContainerClient s = service(secondary, 1).getBlobContainerClient(secondaryContainer.getBlobContainerName());
    try (FailoverReadClient reader = new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.of("primary", new AzureBlobDestination(p)).withPriority(1))
        .endpoint(ReadEndpoint.of("secondary", new AzureBlobDestination(s)))
        .buildClient()) {
      ReadResult plain = reader.read(KEY).orElseThrow();
      assertThat(plain.endpointId()).isEqualTo("secondary");
      assertThat(Md5.of(plain.toByteArray())).as("a plain read may serve the older copy, intact")
          .isEqualTo(SOURCE_MD5);

      ReadResult after = reader.read(ReadRequest.of(KEY).after(partial)).orElseThrow();
      assertThat(after.endpointId()).isEqualTo("primary");
      assertThat(Md5.of(after.toByteArray())).isEqualTo(Md5.of(newer)).isEqualTo(partial.md5());
      assertThat(after.digestSource()).isEqualTo(DigestSource.RECEIPT);
      assertThat(after.attempts()).extracting(ReadAttempt::endpointId).containsExactly("primary");

      // With the only verified copy down, the read fails rather than serve the secondary's older bytes.
      primary.stop();
      try {
        AllEndpointsFailedException e = catchThrowableOfType(AllEndpointsFailedException.class,
            () -> reader.read(ReadRequest.of(KEY).after(partial)));
        assertThat(e).isNotNull();
        assertThat(e.attempts()).extracting(ReadAttempt::endpointId).containsOnly("primary");
      } finally {
        primary.start();
      }
    }
  }
}
