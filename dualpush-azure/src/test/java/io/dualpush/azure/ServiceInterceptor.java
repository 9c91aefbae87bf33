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
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A pipeline policy for tests that sees every request a client sends to Azurite: it drives a fake
 * monotonic clock forward while lease requests are in flight (a slow renewal, without waiting for
 * one), can hold Append Block requests until released (a network that stopped answering), and
 * can fail them before they are sent or lose their answers after they landed.
 */
final class ServiceInterceptor implements HttpPipelinePolicy {
  /** The fake clock, in nanoseconds, for {@code ticker(...)}. */
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  /** Appends held so far. */
  final AtomicInteger held = new AtomicInteger();
  private volatile Duration leaseCallTakes = Duration.ZERO;
  private volatile CountDownLatch appendsWait = new CountDownLatch(0);
  private volatile int failAppendsBeforeSending;
  private volatile int loseAppendResponses;

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

  /** The next {@code n} Append Block requests fail with an I/O error before reaching the service. */
  void failAppendsBeforeSending(int n) {
    failAppendsBeforeSending = n;
  }

  /** The answers to the next {@code n} Append Block requests are lost: the request lands, the caller sees an I/O error. */
  void loseAppendResponses(int n) {
    loseAppendResponses = n;
  }

  /** Lets held and later Append Block requests through. */
  void releaseAppends() {
    appendsWait.countDown();
  }

  private static boolean isAppend(HttpRequest request) {
    String query = request.getUrl().getQuery();
    return query != null && query.contains("comp=appendblock");
  }

  private void before(HttpRequest request) {
    if (isAppend(request) && failAppendsBeforeSending > 0) {
      failAppendsBeforeSending--;
      throw new UncheckedIOException(new IOException("connection refused (injected before sending)"));
    }
    if (isAppend(request)) {
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
    if (isAppend(request) && loseAppendResponses > 0) {
      loseAppendResponses--;
      throw new UncheckedIOException(new IOException("connection reset (injected after the request landed)"));
    }
    String action = request.getHeaders().getValue("x-ms-lease-action");
    if ("acquire".equals(action) || "renew".equals(action)) {
      nanos.addAndGet(leaseCallTakes.toNanos());
    }
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    HttpRequest request = context.getHttpRequest();
    Mono<HttpResponse> call = Mono.defer(() -> {
      before(request);
      return next.process();
    }).map(response -> {
      after(request);
      return response;
    });
    // A held request waits on a thread of its own, as one stuck in the network would: the caller's
    // subscription (and a timeout on it) is not blocked.
    return isAppend(request) && appendsWait.getCount() > 0 ? call.subscribeOn(Schedulers.boundedElastic()) : call;
  }

  @Override
  public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    before(context.getHttpRequest());
    HttpResponse response = next.processSync();
    after(context.getHttpRequest());
    return response;
  }
}
