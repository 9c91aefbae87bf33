package io.dualpush.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.testkit.AzuriteExtension;
import java.io.UncheckedIOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * A pipeline policy for tests that sees every request a client sends to Azurite: it drives a fake
 * monotonic clock forward while lease requests are in flight (a slow renewal, without waiting for
 * one) and can hold Append Block requests until released (a network that stopped answering).
 */
final class ServiceInterceptor implements HttpPipelinePolicy {
  /** The fake clock, in nanoseconds, for {@code ticker(...)}. */
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  /** Appends held so far. */
  final AtomicInteger held = new AtomicInteger();
  private volatile Duration leaseCallTakes = Duration.ZERO;
  private volatile CountDownLatch appendsWait = new CountDownLatch(0);

  /** A client for {@code containerName} whose requests go through this policy. */
  BlobContainerClient container(AzuriteExtension azurite, String containerName) {
    return new BlobServiceClientBuilder().connectionString(azurite.connectionString())
        .retryOptions(AzuriteClients.quickRetries()).addPolicy(this).buildClient().getBlobContainerClient(containerName);
  }

  /** Advances the fake clock. */
  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  /** From now on each lease request (acquire, renew) advances the fake clock by {@code d} while in flight. */
  void leaseCallsTake(Duration d) {
    leaseCallTakes = d;
  }

  /** From now on Append Block requests wait until {@link #releaseAppends()} (or an interrupt). */
  void holdAppends() {
    appendsWait = new CountDownLatch(1);
  }

  /** Lets held and later Append Block requests through. */
  void releaseAppends() {
    appendsWait.countDown();
  }

  private void before(HttpRequest request) {
    String query = request.getUrl().getQuery();
    if (query != null && query.contains("comp=appendblock")) {
      CountDownLatch wait = appendsWait;
      if (wait.getCount() > 0) {
        held.incrementAndGet();
        try {
          // Bounded, so a test that forgets to release does not hang the build.
          wait.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new InterruptedIOException("interrupted while the append was held"));
        }
      }
    }
  }

  private void after(HttpRequest request) {
    String action = request.getHeaders().getValue("x-ms-lease-action");
    if ("acquire".equals(action) || "renew".equals(action)) {
      nanos.addAndGet(leaseCallTakes.toNanos());
    }
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    before(context.getHttpRequest());
    return next.process().doOnNext(r -> after(context.getHttpRequest()));
  }

  @Override
  public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    before(context.getHttpRequest());
    HttpResponse response = next.processSync();
    after(context.getHttpRequest());
    return response;
  }
}
