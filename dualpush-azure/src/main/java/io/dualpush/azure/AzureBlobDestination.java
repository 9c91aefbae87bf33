package io.dualpush.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobItemProperties;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.blob.specialized.SpecializedBlobClientBuilder;
import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.ObjectKeys;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A destination in an Azure Blob Storage container, written through the caller's own
 * {@link BlobContainerClient} (its credentials, HTTP client, retry policy and timeouts are the
 * caller's; this class never sees or re-wraps a credential).
 *
 * <p>What it guarantees:
 * <ul>
 *   <li><b>Streaming, bounded memory.</b> Objects below {@link AzureBlobOptions#singleShotThreshold()}
 *       go up in one request; larger ones are staged as blocks of {@link AzureBlobOptions#blockSize()},
 *       at most {@link AzureBlobOptions#maxConcurrency()} in flight, then committed. Each request
 *       carries the MD5 of its bytes so the service checks transport integrity, and the blob's
 *       Content-MD5 is set to the MD5 computed while streaming (the service does not compute one
 *       for block uploads). Nothing is visible under the key until the commit.</li>
 *   <li><b>Checked by the service, hashed once.</b> A single-shot upload of a payload of the
 *       declared size is sent with the source MD5 from the transaction log as its Content-MD5: the
 *       service hashes what it receives and refuses the write ({@code 400 Md5Mismatch}) unless it
 *       is exactly the source's bytes, so the reported MD5 is proven by the service and the client
 *       does not hash the payload again per copy. When the bytes read are not the source's (a
 *       changed file, a stream that gives other bytes) they are written as read, with the MD5
 *       computed while reading, and that MD5 is reported, so the engine sees the mismatch.</li>
 *   <li><b>Idempotent.</b> When the blob already holds the request's MD5 nothing is uploaded,
 *       unless {@link WriteRequest#replaceIdentical()}.</li>
 *   <li><b>Conditional writes.</b> Every write is conditional on what was read just before it
 *       (If-Match its ETag, or If-None-Match * when absent), so a concurrent writer is detected;
 *       the write is then re-read and decided again.</li>
 *   <li><b>Fencing.</b> The fencing token is stored in the blob's metadata ({@value #META_FENCING});
 *       a write with an older token is refused with {@link StaleFencingTokenException}.</li>
 *   <li><b>No secrets.</b> Failures are {@link DestinationException}s naming account, container and
 *       key, transient for throttling, server errors, timeouts and connection failures; their
 *       messages and causes are scrubbed of keys, SAS signatures and connection strings.</li>
 * </ul>
 *
 * <pre>{@code
 * BlobContainerClient gold = new BlobServiceClientBuilder().endpoint(url).credential(cred).buildClient()
 *     .getBlobContainerClient("gold");
 * Destination primary = new AzureBlobDestination(gold);
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AzureBlobDestination implements Destination {
  private static final Logger LOG = LoggerFactory.getLogger(AzureBlobDestination.class);
  /** Metadata key of the transaction that wrote the blob. */
  public static final String META_TRANSACTION = "dualpush_txn";
  /** Metadata key of the dataset the blob belongs to. */
  public static final String META_DATASET = "dualpush_dataset";
  /** Metadata key of the fencing token the blob was written under. */
  public static final String META_FENCING = "dualpush_fencing";

  private static final String RESERVED_PREFIX = "dualpush_";
  /** Azure's limit of committed blocks in one blob. */
  private static final int MAX_BLOCKS = 50_000;
  /** Rounds of read-decide-write lost to concurrent writers before giving up (transiently). */
  private static final int MAX_CONFLICT_ROUNDS = 25;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final BlobContainerClient container;
  private final AzureBlobOptions options;
  private final String account;
  private final String containerName;
  private final String description;
  /** The container's URL in one spelling, to tell two destinations on one container apart from two containers. */
  private final String containerIdentity;
  private final ExecutorService stagers;
  /**
   * Per thread, a builder already holding this container's pipeline, endpoint, service version and
   * encryption settings, so that a put names the key and builds its blob client, instead of building
   * a {@code BlobClient} and then a fresh {@link SpecializedBlobClientBuilder} (default log options,
   * the container URL parsed again) for every copy. Builders are not thread-safe, hence one per thread.
   */
  private final ThreadLocal<SpecializedBlobClientBuilder> blobs;
  /** False once the service refused {@code startFrom}: listings then skip up to {@code startAfter} themselves. */
  private volatile boolean startFromAccepted = true;

  /**
   * A destination with {@link AzureBlobOptions#ofDefaults()}.
   *
   * @param container the caller's own client for an existing container, already signed in; its credential and
   *     HTTP pipeline are used as they are
   * @throws InvalidInputException naming {@code container} when it is null
   */
  public AzureBlobDestination(BlobContainerClient container) {
    this(container, AzureBlobOptions.ofDefaults());
  }

  /**
   * A destination storing blobs in {@code container}, uploading as {@code options} say. Builds no connection:
   * the first request is the first call.
   *
   * @param container the caller's own client for an existing container, already signed in
   * @param options block size, blocks in flight and single-shot threshold
   * @throws InvalidInputException naming {@code container} or {@code options} when either is null
   */
  public AzureBlobDestination(BlobContainerClient container, AzureBlobOptions options) {
    this.container = InvalidInputException.requireNonNull(container, "container");
    this.options = InvalidInputException.requireNonNull(options, "options");
    this.account = container.getAccountName();
    this.containerName = container.getBlobContainerName();
    this.description = "azure:" + account + "/" + containerName;
    this.containerIdentity = containerIdentity(container.getBlobContainerUrl());
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    // Idle threads end after a while, so a destination that is dropped leaks nothing.
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "dualpush-azure-" + pool + "-stage-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.stagers = executor;
    // The blob name given here is replaced by every put's own key before a client is built.
    this.blobs = ThreadLocal.withInitial(() -> new SpecializedBlobClientBuilder().containerClient(container, "-"));
  }

  /**
   * The options uploads follow.
   *
   * @return the options
   */
  public AzureBlobOptions options() {
    return options;
  }

  // ------------------------------------------------------------------ put

  @Override
  public PutResult put(WriteRequest request) {
    String key = ObjectKeys.validate(request.key());
    BlockBlobClient blob = blobs.get().blobName(key).buildBlockBlobClient();
    OptionalLong token = request.fencingToken();
    if (!request.replaceIdentical() && request.size() < options.singleShotThreshold()) {
      // Most pushes write a key that is not there yet: try that in one round trip (create-only, so
      // an existing blob is never touched) before paying a HEAD. A large payload is not sent
      // speculatively: an identical re-push of it must not transfer its bytes.
      try {
        return upload(blob, request, metadataFor(request, OptionalLong.empty()),
            new BlobRequestConditions().setIfNoneMatch("*"));
      } catch (BlobStorageException e) {
        if (!isConflict(e)) {
          throw classify("write", key, e);
        }
      } catch (RuntimeException e) {
        throw classify("write", key, e);
      }
    }
    for (int round = 0; ; round++) {
      Optional<BlobProperties> props = properties(blob, key, "write");
      OptionalLong stored = props.map(p -> storedToken(p.getMetadata())).orElse(OptionalLong.empty());
      if (token.isPresent() && stored.isPresent() && token.getAsLong() < stored.getAsLong()) {
        throw new StaleFencingTokenException(description, key, token.getAsLong(), stored.getAsLong());
      }
      try {
        if (props.isPresent() && !request.replaceIdentical() && request.md5().equals(md5Of(props.get()))) {
          return unchanged(blob, props.get(), request, stored);
        }
        Map<String, String> metadata = metadataFor(request, stored);
        BlobRequestConditions condition = props.isPresent()
            ? new BlobRequestConditions().setIfMatch(props.get().getETag().toString())
            : new BlobRequestConditions().setIfNoneMatch("*");
        return upload(blob, request, metadata, condition);
      } catch (BlobStorageException e) {
        if (!isConflict(e)) {
          throw classify("write", key, e);
        }
        if (round + 1 >= MAX_CONFLICT_ROUNDS) {
          throw new DestinationException(description, true, "Cannot write '" + key + "' to " + description
              + ": concurrent writers changed the blob " + MAX_CONFLICT_ROUNDS + " times in a row", Scrub.of(e));
        }
        backOff(round);
      } catch (RuntimeException e) {
        // Connection failures and time-outs surface as unchecked exceptions of the HTTP stack.
        throw classify("write", key, e);
      }
    }
  }

  /** The blob already holds the bytes: write nothing, but let a newer fencing token act on the key. */
  private PutResult unchanged(BlockBlobClient blob, BlobProperties props, WriteRequest request, OptionalLong stored) {
    String etag = props.getETag().toString();
    OptionalLong token = request.fencingToken();
    if (token.isPresent() && (stored.isEmpty() || token.getAsLong() > stored.getAsLong())) {
      Map<String, String> metadata = new HashMap<>(props.getMetadata());
      metadata.put(META_FENCING, Long.toString(token.getAsLong()));
      Response<Void> r = blob.setMetadataWithResponse(metadata, new BlobRequestConditions().setIfMatch(etag), null,
          Context.NONE);
      String newEtag = r.getHeaders().getValue(HttpHeaderName.ETAG);
      if (newEtag != null) {
        etag = newEtag;
      }
    }
    return new PutResult(false, request.md5(), Optional.of(etag));
  }

  private Map<String, String> metadataFor(WriteRequest request, OptionalLong stored) {
    Map<String, String> metadata = new HashMap<>(request.metadata());
    metadata.put(META_TRANSACTION, request.transactionId());
    if (!request.datasetId().isEmpty()) {
      metadata.put(META_DATASET, request.datasetId());
    }
    // A write without a token keeps the token the key holds: it must not reopen the key to old holders.
    OptionalLong token = request.fencingToken().isPresent() ? request.fencingToken() : stored;
    if (token.isPresent()) {
      metadata.put(META_FENCING, Long.toString(token.getAsLong()));
    }
    return metadata;
  }

  private PutResult upload(BlockBlobClient blob, WriteRequest request, Map<String, String> metadata,
      BlobRequestConditions condition) {
    String key = request.key();
    if (request.size() < options.singleShotThreshold()) {
      try {
        Optional<PutResult> declared = uploadAsDeclared(blob, request, metadata, condition);
        if (declared.isPresent()) {
          return declared.get();
        }
      } catch (IOException e) {
        throw new DestinationException(description, true, "Cannot write '" + key + "' to " + description
            + ": reading the payload failed: " + Scrub.text(String.valueOf(e.getMessage())), Scrub.of(e));
      }
    }
    try (Md5.HashingInputStream in = Md5.hashing(request.open())) {
      int threshold = (int) options.singleShotThreshold();
      byte[] head = readHead(in, threshold);
      if (head.length < threshold) {
        byte[] bytes = head;
        String md5 = in.md5();
        byte[] digest = Base64.getDecoder().decode(md5);
        BlockBlobSimpleUploadOptions upload = new BlockBlobSimpleUploadOptions(body(bytes))
            .setHeaders(singleShotHeaders(request))
            .setMetadata(metadata)
            .setContentMd5(digest)
            .setRequestConditions(condition);
        Response<BlockBlobItem> r = blob.uploadWithResponse(upload, null, Context.NONE);
        return new PutResult(true, md5, Optional.ofNullable(r.getValue().getETag()));
      }
      return stageAndCommit(blob, request, in, head, metadata, condition);
    } catch (IOException e) {
      throw new DestinationException(description, true, "Cannot write '" + key + "' to " + description
          + ": reading the payload failed: " + Scrub.text(String.valueOf(e.getMessage())), Scrub.of(e));
    }
  }

  /**
   * One request carrying the source MD5 as Content-MD5, which the service checks against the bytes
   * it receives: the payload is not hashed here. Empty, with nothing stored, when the payload read
   * is not the declared one: another length, or the service found another digest. The caller then
   * writes it the hashing way, which reports the MD5 of what was read.
   */
  private Optional<PutResult> uploadAsDeclared(BlockBlobClient blob, WriteRequest request,
      Map<String, String> metadata, BlobRequestConditions condition) throws IOException {
    byte[] digest;
    try {
      digest = Base64.getDecoder().decode(request.md5());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (digest.length != 16) {
      return Optional.empty();
    }
    byte[] bytes = new byte[(int) request.size()];
    try (InputStream in = request.open()) {
      if (readFully(in, bytes, bytes.length) != bytes.length || in.read() >= 0) {
        return Optional.empty();
      }
    }
    BlockBlobSimpleUploadOptions upload = new BlockBlobSimpleUploadOptions(body(bytes))
        .setHeaders(singleShotHeaders(request))
        .setMetadata(metadata)
        .setContentMd5(digest)
        .setRequestConditions(condition);
    try {
      Response<BlockBlobItem> r = blob.uploadWithResponse(upload, null, Context.NONE);
      return Optional.of(new PutResult(true, request.md5(), Optional.ofNullable(r.getValue().getETag())));
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 400 && BlobErrorCode.MD5MISMATCH.equals(e.getErrorCode())) {
        LOG.warn("{} refused the bytes it received for '{}': they do not hash to the source MD5 (changed on the way, "
            + "or a payload other than the source's); sending them again with the MD5 computed while reading",
            description, request.key());
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * A request body the HTTP client takes in one piece. The SDK hands a body made with
   * {@code BinaryData.fromBytes} to the JDK HTTP client as a reactive stream of 8 KiB slices, each
   * under a write-timeout timer of its own (128 slices and timers for 1 MiB); a {@code ByteBuffer}
   * body goes as one buffer. Still replayable for the SDK's retries: each attempt reads a duplicate.
   */
  private static BinaryData body(byte[] bytes) {
    return BinaryData.fromByteBuffer(ByteBuffer.wrap(bytes));
  }

  /** The blob's properties for a block list commit: the service does not compute a committed blob's MD5, so it is sent. */
  private BlobHttpHeaders headers(WriteRequest request, byte[] digest) {
    return new BlobHttpHeaders().setContentType(request.contentType()).setContentMd5(digest);
  }

  /** The service's content type for a blob written without one (Put Blob's documented default). */
  static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  /**
   * The blob's properties for a single-shot upload, only those the service would not set by itself:
   * no {@code x-ms-blob-content-md5}, because the request's own {@code Content-MD5} (the source MD5)
   * is checked by the service against the body and then stored as the blob's Content-MD5; no
   * {@code x-ms-blob-content-type} for the default type. Each {@code x-ms-} header is sorted with a
   * collator when a shared key signs the request, which was a visible share of a 4 KiB put's CPU.
   *
   * @return the headers, or null when there is none to send
   */
  private static @Nullable BlobHttpHeaders singleShotHeaders(WriteRequest request) {
    return request.contentType().equals(DEFAULT_CONTENT_TYPE) ? null
        : new BlobHttpHeaders().setContentType(request.contentType());
  }

  /**
   * Stages the payload as blocks, at most {@code maxConcurrency} in flight from a pool of as many
   * buffers, then commits them with the MD5 computed on the way. {@code head} holds the payload's
   * first bytes, already read.
   */
  private PutResult stageAndCommit(BlockBlobClient blob, WriteRequest request, Md5.HashingInputStream in, byte[] head,
      Map<String, String> metadata, BlobRequestConditions condition) throws IOException {
    int blockSize = (int) options.blockSize();
    int concurrency = options.maxConcurrency();
    BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(concurrency);
    AtomicInteger allocated = new AtomicInteger();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Future<?>> inFlight = new ArrayList<>();
    List<String> blockIds = new ArrayList<>();
    byte[] uploadId = new byte[16];
    RANDOM.nextBytes(uploadId);
    boolean done = false;
    try {
      // The already-read head goes first, in block-sized slices.
      for (int off = 0; off < head.length; off += blockSize) {
        int len = Math.min(blockSize, head.length - off);
        byte[] buf = takeBuffer(buffers, allocated, concurrency, blockSize);
        System.arraycopy(head, off, buf, 0, len);
        inFlight.add(submit(blob, blockId(uploadId, blockIds.size()), buf, len, buffers, failure));
        blockIds.add(blockId(uploadId, blockIds.size()));
      }
      while (failure.get() == null) {
        byte[] buf = takeBuffer(buffers, allocated, concurrency, blockSize);
        int len = readFully(in, buf, blockSize);
        if (len == 0) {
          buffers.add(buf);
          break;
        }
        if (blockIds.size() >= MAX_BLOCKS) {
          throw new DestinationException(description, false, "Cannot write '" + request.key() + "' to " + description
              + ": the object is larger than " + MAX_BLOCKS + " blocks of " + blockSize + " bytes");
        }
        String id = blockId(uploadId, blockIds.size());
        inFlight.add(submit(blob, id, buf, len, buffers, failure));
        blockIds.add(id);
        inFlight.removeIf(Future::isDone);
        if (len < blockSize) {
          break;
        }
      }
      awaitAll(inFlight);
      done = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DestinationException(description, true, "Write of '" + request.key() + "' to " + description
          + " was interrupted");
    } finally {
      if (!done) {
        // Let staged uploads settle before the caller's stream is closed; uncommitted blocks are
        // invisible and the service discards them.
        inFlight.forEach(f -> f.cancel(false));
        awaitQuietly(inFlight);
      }
    }
    RuntimeException failed = failure.get();
    if (failed != null) {
      throw failed;
    }
    String md5 = in.md5();
    byte[] digest = Base64.getDecoder().decode(md5);
    BlockBlobCommitBlockListOptions commit = new BlockBlobCommitBlockListOptions(blockIds)
        .setHeaders(headers(request, digest))
        .setMetadata(metadata)
        .setRequestConditions(condition);
    Response<BlockBlobItem> r = blob.commitBlockListWithResponse(commit, null, Context.NONE);
    return new PutResult(true, md5, Optional.ofNullable(r.getValue().getETag()));
  }

  private Future<?> submit(BlockBlobClient blob, String id, byte[] buf, int len, BlockingQueue<byte[]> buffers,
      AtomicReference<RuntimeException> failure) {
    return stagers.submit(() -> {
      try {
        if (failure.get() != null) {
          return;
        }
        java.security.MessageDigest md = Md5.newDigest();
        md.update(buf, 0, len);
        BlockBlobStageBlockOptions stage = new BlockBlobStageBlockOptions(id, BinaryData.fromByteBuffer(ByteBuffer.wrap(buf, 0, len)))
            .setContentMd5(md.digest());
        blob.stageBlockWithResponse(stage, null, Context.NONE);
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
      } finally {
        buffers.add(buf);
      }
    });
  }

  private static byte[] takeBuffer(BlockingQueue<byte[]> buffers, AtomicInteger allocated, int max, int size)
      throws InterruptedException {
    byte[] buf = buffers.poll();
    if (buf != null) {
      return buf;
    }
    if (allocated.get() < max) {
      allocated.incrementAndGet();
      return new byte[size];
    }
    return buffers.take();
  }

  private static void awaitAll(List<Future<?>> futures) throws InterruptedException {
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        // the task records its own failure
      }
    }
  }

  private static void awaitQuietly(List<Future<?>> futures) {
    boolean interrupted = false;
    for (Future<?> f : futures) {
      while (true) {
        try {
          if (!f.isCancelled()) {
            f.get();
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Fixed-length ids (Azure requires one length for all blocks of a blob): 16 random bytes and an index. */
  private static String blockId(byte[] uploadId, int index) {
    ByteBuffer b = ByteBuffer.allocate(24);
    b.put(uploadId).putLong(index);
    return Base64.getEncoder().encodeToString(b.array());
  }

  /**
   * Reads up to {@code limit} bytes into an array of exactly the length read, growing it as bytes
   * come, so a small object never costs a threshold-sized buffer. Shorter than {@code limit} means
   * the stream ended.
   */
  private static byte[] readHead(InputStream in, int limit) throws IOException {
    byte[] buf = new byte[Math.min(limit, 64 * 1024)];
    int n = 0;
    while (n < limit) {
      if (n == buf.length) {
        buf = java.util.Arrays.copyOf(buf, (int) Math.min(limit, 2L * buf.length));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
  }

  /** Reads until {@code len} bytes or the end of the stream; returns how many were read. */
  private static int readFully(InputStream in, byte[] buf, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = in.read(buf, total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  private static void backOff(int round) {
    long maxMillis = 10L << Math.min(round, 5);
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, maxMillis + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isConflict(BlobStorageException e) {
    BlobErrorCode code = e.getErrorCode();
    return e.getStatusCode() == 412
        || (e.getStatusCode() == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code))
        // the blob read a moment ago was deleted before our If-Match write
        || (e.getStatusCode() == 404 && BlobErrorCode.BLOB_NOT_FOUND.equals(code));
  }

  // ------------------------------------------------------------------ reads

  private Optional<BlobProperties> properties(BlockBlobClient blob, String key, String operation) {
    try {
      return Optional.of(blob.getPropertiesWithResponse(null, null, Context.NONE).getValue());
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
        return Optional.empty();
      }
      throw classify(operation, key, e);
    } catch (RuntimeException e) {
      throw classify(operation, key, e);
    }
  }

  private static @Nullable String md5Of(BlobProperties props) {
    byte[] md5 = props.getContentMd5();
    return md5 == null ? null : Base64.getEncoder().encodeToString(md5);
  }

  private static OptionalLong storedToken(@Nullable Map<String, String> metadata) {
    if (metadata == null) {
      return OptionalLong.empty();
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().equalsIgnoreCase(META_FENCING)) {
        try {
          return OptionalLong.of(Long.parseLong(e.getValue().trim()));
        } catch (NumberFormatException ignored) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    ObjectKeys.validate(key);
    BlockBlobClient blob = container.getBlobClient(key).getBlockBlobClient();
    return properties(blob, key, "read").map(p -> {
      Instant modified = p.getLastModified() == null ? Instant.EPOCH : p.getLastModified().toInstant();
      return new ObjectInfo(key, p.getBlobSize(), Optional.ofNullable(md5Of(p)),
          Optional.ofNullable(p.getETag()), modified, userMetadata(p.getMetadata()));
    });
  }

  /** The blob's metadata without dualpush's reserved entries (Azure compares metadata names without case). */
  private static Map<String, String> userMetadata(@Nullable Map<String, String> metadata) {
    Map<String, String> user = new HashMap<>();
    if (metadata != null) {
      metadata.forEach((k, v) -> {
        if (!k.toLowerCase(Locale.ROOT).startsWith(RESERVED_PREFIX)) {
          user.put(k, v);
        }
      });
    }
    return user;
  }

  @Override
  public boolean supportsListing() {
    return true;
  }

  /**
   * Lists the container's blobs with their metadata ({@code List Blobs}, flat), page by page as the
   * service returns them and no further than the page needs. Listing resumes at {@code startAfter}
   * with the service's {@code startFrom}; a service that refuses it (an older API version) is then
   * listed from the start of the prefix, skipping the keys up to {@code startAfter}, for the rest of
   * this instance's life. The MD5 is the blob's Content-MD5, the metadata as {@link #head} gives it.
   * The service lists in its own lexicographic order, which is UTF-8 order for every key whose
   * characters are all below U+E000. Failures are classified as head's are.
   */
  @Override
  public List<ObjectInfo> list(String prefix, @Nullable String startAfter, int limit) {
    InvalidInputException.requireNonNull(prefix, "prefix");
    if (limit < 1) {
      throw new IllegalArgumentException("'limit' must be at least 1; got " + limit);
    }
    boolean resume = startAfter != null && startFromAccepted;
    try {
      return listFrom(prefix, startAfter, limit, resume);
    } catch (BlobStorageException e) {
      if (!resume || e.getStatusCode() != 400) {
        throw classify("list the keys starting with", prefix, e);
      }
      startFromAccepted = false;
      LOG.info("{} refused to list from a given key (HTTP 400 {}); later listings read from the start of their prefix",
          description, e.getErrorCode());
    } catch (RuntimeException e) {
      throw classify("list the keys starting with", prefix, e);
    }
    try {
      return listFrom(prefix, startAfter, limit, false);
    } catch (RuntimeException e) {
      throw classify("list the keys starting with", prefix, e);
    }
  }

  private List<ObjectInfo> listFrom(String prefix, @Nullable String startAfter, int limit, boolean resume) {
    ListBlobsOptions options = new ListBlobsOptions()
        .setDetails(new BlobListDetails().setRetrieveMetadata(true))
        // One more than the page: startFrom is inclusive, so the first blob may be startAfter itself.
        .setMaxResultsPerPage(Math.min(limit + 1, 5000));
    if (!prefix.isEmpty()) {
      options.setPrefix(prefix);
    }
    if (resume) {
      options.setStartFrom(startAfter);
    }
    List<ObjectInfo> page = new ArrayList<>();
    for (BlobItem item : container.listBlobs(options, null)) {
      String key = item.getName();
      if (Boolean.TRUE.equals(item.isPrefix()) || item.isDeleted()
          || (startAfter != null && ObjectKeys.ORDER.compare(key, startAfter) <= 0)) {
        continue;
      }
      BlobItemProperties p = item.getProperties();
      Instant modified = p.getLastModified() == null ? Instant.EPOCH : p.getLastModified().toInstant();
      byte[] md5 = p.getContentMd5();
      page.add(new ObjectInfo(key, p.getContentLength() == null ? 0 : p.getContentLength(),
          Optional.ofNullable(md5 == null ? null : Base64.getEncoder().encodeToString(md5)),
          Optional.ofNullable(p.getETag()), modified, userMetadata(item.getMetadata())));
      if (page.size() == limit) {
        break;
      }
    }
    return page;
  }

  /**
   * The fencing token the blob under {@code key} holds, if any.
   *
   * @param key the object key
   * @return the token in the blob's metadata, or empty when the blob has none or does not exist
   */
  public OptionalLong fencingToken(String key) {
    ObjectKeys.validate(key);
    BlockBlobClient blob = container.getBlobClient(key).getBlockBlobClient();
    return properties(blob, key, "read").map(p -> storedToken(p.getMetadata())).orElse(OptionalLong.empty());
  }

  @Override
  public Optional<InputStream> get(String key) {
    ObjectKeys.validate(key);
    try {
      // Reads in chunks, each conditional on the ETag seen at open: a blob replaced mid-read fails
      // the read instead of mixing two versions.
      return Optional.of(container.getBlobClient(key).openInputStream());
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
        return Optional.empty();
      }
      throw classify("read", key, e);
    } catch (RuntimeException e) {
      throw classify("read", key, e);
    }
  }

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    try {
      return container.getBlobClient(key)
          .deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE).getValue();
    } catch (RuntimeException e) {
      throw classify("delete", key, e);
    }
  }

  @Override
  public HealthStatus probe() {
    long start = System.nanoTime();
    try {
      container.getPropertiesWithResponse(null, null, Context.NONE);
      return HealthStatus.healthy(since(start));
    } catch (RuntimeException e) {
      DestinationException d = classify("probe", null, e);
      return HealthStatus.unhealthy(since(start), d.getMessage());
    }
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public boolean supportsFencing() {
    return true;
  }

  /**
   * True when {@code other} is this instance or an {@code AzureBlobDestination} on the same
   * container: the same {@link BlobContainerClient#getBlobContainerUrl() container URL} (scheme,
   * host, port, and for an emulator the account in the path, then the container), compared without
   * regard to case, the default port or repeated and trailing slashes. The same container reached
   * under two host names (a custom domain or private endpoint beside the account's own, or
   * {@code localhost} beside {@code 127.0.0.1}) is not recognised. No network call; thread-safe.
   */
  @Override
  public boolean overlaps(Destination other) {
    return other == this || other instanceof AzureBlobDestination that && containerIdentity.equals(that.containerIdentity);
  }

  /**
   * One spelling of a container URL. Account and container names are lower case in Azure, so the
   * whole URL can be; the SDK keeps an endpoint's case and turns an explicit default port into
   * {@code :443//container}.
   */
  static String containerIdentity(String url) {
    try {
      URI u = new URI(url);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      int port = u.getPort();
      if (port == 443 && scheme.equals("https") || port == 80 && scheme.equals("http")) {
        port = -1;
      }
      String path = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/{2,}", "/");
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      return (scheme + "://" + u.getHost() + (port < 0 ? "" : ":" + port) + path).toLowerCase(Locale.ROOT);
    } catch (URISyntaxException | RuntimeException e) {
      return url.toLowerCase(Locale.ROOT);
    }
  }

  @Override
  public String toString() {
    return "AzureBlobDestination{" + description + ", " + options + "}";
  }

  // ------------------------------------------------------------------ errors

  /**
   * A DestinationException for a failed Azure call: transient for throttling (429), timeouts (408),
   * server errors (5xx) and anything below HTTP (connection refused or reset, time-outs); permanent
   * for bad requests, authentication and authorization failures and a missing container. The
   * message names account, container and key; the cause is a scrubbed copy of the SDK's.
   */
  DestinationException classify(String operation, @Nullable String key, RuntimeException e) {
    String what = "Cannot " + operation + (key == null ? "" : " '" + key + "'") + " in " + description + ": ";
    if (e instanceof DestinationException d) {
      return d;
    }
    if (e instanceof BlobStorageException b) {
      int status = b.getStatusCode();
      BlobErrorCode code = b.getErrorCode();
      String detail = "HTTP " + status + (code == null ? "" : " " + code);
      boolean transientFailure = status == 408 || status == 429 || status >= 500;
      String hint;
      if (status == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
        hint = " (container '" + containerName + "' does not exist in account '" + account + "')";
      } else if (status == 401 || status == 403) {
        hint = " (authentication or authorization failed for account '" + account + "'; check the client's credential)";
      } else if (status == 429 || status == 503) {
        hint = " (throttled or unavailable; retry later)";
      } else {
        hint = "";
      }
      return new DestinationException(description, transientFailure, what + detail + hint, Scrub.of(e));
    }
    Throwable root = rootCause(e);
    boolean permanent = e instanceof IllegalArgumentException && !(root instanceof IOException);
    String detail = root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + Scrub.text(root.getMessage()));
    return new DestinationException(description, !permanent, what + detail, Scrub.of(e));
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 20; depth++) {
      t = t.getCause();
    }
    return t;
  }
}
