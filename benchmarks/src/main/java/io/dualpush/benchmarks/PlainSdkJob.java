package io.dualpush.benchmarks;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The seed design's dual push written as a plain Azure SDK job, for {@code job} to run beside the
 * dualpush CLI as a child JVM: {@code N} threads; per file one single-shot upload to region A and
 * one to region B in parallel (the seed's {@code Promise.all} over its destinations), each with its
 * content type; the copy is "verified" the seed's way, by comparing the Content-MD5 each put
 * returns with the primary's; the status of every transaction is kept in memory (the seed's log is
 * not durable). No digest is computed here and nothing is written to disk.
 *
 * <pre>
 * java -cp dualpush-benchmarks.jar io.dualpush.benchmarks.PlainSdkJob SOURCE_DIR ENV_A ENV_B CONTAINER PARALLEL
 * </pre>
 * ENV_A and ENV_B name environment variables holding the two accounts' connection strings. Exit 0
 * when every object is on both and the two MD5s agree, 2 otherwise, 1 on bad usage.
 */
public final class PlainSdkJob {
  private PlainSdkJob() {}

  /** What the seed's in-memory transaction log holds per object. */
  private record Outcome(String primaryMd5, String secondaryMd5) {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: PlainSdkJob SOURCE_DIR ENV_A ENV_B CONTAINER PARALLEL");
      System.exit(1);
    }
    // The JDK HTTP client adapter warns on every upload that it cannot set Content-Length itself
    // (the JDK does); the seed logs nothing per request, so neither does this job.
    System.setProperty("org.slf4j.simpleLogger.log.com.azure.core.http.jdk.httpclient.JdkHttpClient", "error");
    Path source = Path.of(args[0]).toRealPath();
    BlobContainerClient a = container(args[1], args[3]);
    BlobContainerClient b = container(args[2], args[3]);
    int parallel = Integer.parseInt(args[4]);
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    long start = System.nanoTime();
    Map<String, Outcome> log = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger mismatched = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    ExecutorService workers = Executors.newFixedThreadPool(parallel);
    // The second copy of each object goes out from its own thread, in parallel with the first.
    ExecutorService secondaries = Executors.newFixedThreadPool(parallel);
    try {
      Future<?>[] running = new Future<?>[parallel];
      for (int t = 0; t < parallel; t++) {
        running[t] = workers.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < files.size() && firstFailure.get() == null; ) {
            Path file = files.get(i);
            String key = source.relativize(file).toString().replace('\\', '/');
            try {
              byte[] bytes = Files.readAllBytes(file);
              Future<String> second = secondaries.submit(() -> upload(b, key, bytes));
              String md5a = upload(a, key, bytes);
              String md5b = second.get();
              log.put(key, new Outcome(md5a, md5b));
              if (md5a == null || !md5a.equals(md5b)) {
                mismatched.incrementAndGet();
              }
            } catch (Exception | Error e) {
              firstFailure.compareAndSet(null, e);
            }
          }
          return null;
        });
      }
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      workers.shutdownNow();
      secondaries.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "plain SDK: %d of %d object(s) on both regions in %.1f s; MD5 of the two puts differ "
        + "or missing: %d%n", log.size(), files.size(), seconds, mismatched.get());
    Throwable failure = firstFailure.get();
    if (failure != null) {
      System.out.println("plain SDK: first failure: " + failure);
      System.exit(2);
    }
    System.exit(log.size() == files.size() && mismatched.get() == 0 ? 0 : 2);
  }

  /** One Put Blob; returns the Content-MD5 the service reports for what it stored. */
  private static String upload(BlobContainerClient container, String key, byte[] bytes) {
    Response<BlockBlobItem> r = container.getBlobClient(key).getBlockBlobClient().uploadWithResponse(
        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(bytes))
            .setHeaders(new BlobHttpHeaders().setContentType("application/octet-stream")),
        null, Context.NONE);
    byte[] md5 = r.getValue().getContentMd5();
    return md5 == null ? null : Base64.getEncoder().encodeToString(md5);
  }

  private static BlobContainerClient container(String variable, String name) {
    String connectionString = System.getenv(variable);
    if (connectionString == null || connectionString.isBlank()) {
      System.err.println("PlainSdkJob: environment variable " + variable + " is not set");
      System.exit(1);
    }
    return new BlobContainerClientBuilder().connectionString(connectionString).containerName(name).buildClient();
  }
}
