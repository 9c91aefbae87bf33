package io.dualpush.samples.config;

import io.dualpush.DualPushClientBuilder;
import io.dualpush.samples.StandardInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code run} command's loop: a long-running job that pushes the source tree every interval
 * while this process is the active region, and waits while it stands by. With Redis it takes over
 * when the other region's lease expires or is released; losing the lease during a round stops that
 * round (the pushes that follow are refused before anything is logged, and copies in flight are
 * fenced by the destinations), prints {@code fenced: ...} and goes back to waiting. Each round is
 * one {@code push} of the whole tree: copies already verified and unchanged are not written again
 * (the engine's unchanged-copy path), so only what changed is written.
 *
 * <p>SIGTERM, or the end of standard input (unless it is {@code /dev/null}), stops it cleanly: the
 * lease is released first, so the other region takes over at once, then the round under way ends.
 * One loop per process; not thread-safe beyond {@link #stop()}.
 */
public final class RunLoop {
  private static final Logger LOG = LoggerFactory.getLogger(RunLoop.class);

  /** One round: a push of the whole tree with a client the loop adds to. */
  @FunctionalInterface
  public interface Round {
    /**
     * Pushes the tree once.
     *
     * @param client applied to the client's builder before it is built
     * @return the push's exit code
     * @throws InterruptedException when interrupted
     */
    int push(UnaryOperator<DualPushClientBuilder> client) throws InterruptedException;
  }

  private final Optional<ActiveStandby> region;
  private final Duration interval;
  private final Duration wait;
  private final PrintStream out;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile String stopReason = "";

  /**
   * A loop.
   *
   * @param region this process's region, or empty to push every interval without a lease
   * @param interval the time between the end of a round and the start of the next
   * @param wait the longest a standby waits for the lease in one stretch, or {@code null} for no bound
   * @param out where rounds and role changes are printed
   */
  public RunLoop(Optional<ActiveStandby> region, Duration interval, Duration wait, PrintStream out) {
    this.region = region;
    this.interval = interval;
    this.wait = wait;
    this.out = out;
  }

  /**
   * Stops the loop: releases the lease at once (pushes that follow are refused) and ends the wait.
   * Thread-safe; idempotent.
   */
  public void stop() {
    if (stop.getCount() == 0) {
      return;
    }
    stop.countDown();
    region.ifPresent(ActiveStandby::releaseLease);
  }

  /**
   * Runs until stopped, or until a standby has waited longer than its bound.
   *
   * @param round one push of the tree
   * @return 0 after a clean stop whose last round verified everything; the last round's exit code
   *     after a clean stop otherwise; 2 when the wait for the lease ran out
   * @throws InterruptedException when interrupted
   */
  public int run(Round round) throws InterruptedException {
    Thread hook = new Thread(() -> {
      stopReason = "SIGTERM";
      stop();
      try {
        // The JVM halts when the hooks end: give the round under way the time to drain and log.
        done.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "dualpush-run-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    watchStdin();
    int last = 0;
    try {
      long standbySince = -1;
      int rounds = 0;
      while (stop.getCount() > 0) {
        if (region.isPresent() && !region.get().coordinator().isActive()) {
          long now = System.nanoTime();
          if (standbySince < 0) {
            standbySince = now;
          }
          Duration waited = Duration.ofNanos(now - standbySince);
          if (wait != null && waited.compareTo(wait) >= 0) {
            say("standby: the active region's lease '" + region.get().coordinator().leaseName()
                + "' was not free within " + ConfigDurations.format(wait) + " (--wait); stopping, nothing pushed");
            return 2;
          }
          Duration slice = Duration.ofSeconds(1);
          if (wait != null && wait.minus(waited).compareTo(slice) < 0) {
            slice = wait.minus(waited);
          }
          region.get().awaitActive(slice);
          continue;
        }
        standbySince = -1;
        rounds++;
        say("round " + rounds + ": pushing" + region.map(r -> " as the active region (fencing token "
            + r.coordinator().fencingToken().orElse(-1) + ")").orElse(""));
        last = round.push(builder -> region.map(r -> r.addTo(builder)).orElse(builder));
        if (region.isPresent() && !region.get().coordinator().isActive() && stop.getCount() > 0) {
          say("fenced: round " + rounds + " ended without the lease (exit " + last
              + "); files not verified were not counted as pushed; back to standby");
        } else {
          say("round " + rounds + ": exit " + last);
        }
        stop.await(interval.toNanos(), TimeUnit.NANOSECONDS);
      }
      // Released (or its release sent and failed, which the coordinator logs) before this line is printed.
      region.ifPresent(ActiveStandby::close);
      say("stopped" + (stopReason.isEmpty() ? "" : " (" + stopReason + ")")
          + region.map(r -> "; lease '" + r.coordinator().leaseName() + "' released").orElse(""));
      return last;
    } finally {
      region.ifPresent(ActiveStandby::close);
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutting down already: the hook is what stopped us.
      }
    }
  }

  /** The end of standard input stops the loop, unless stdin is /dev/null (a service manager's default). */
  private void watchStdin() {
    if (StandardInput.isDevNull()) {
      return;
    }
    Thread t = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[256];
      try {
        while (in.read(buffer) >= 0) {
          // Input is ignored; only its end matters.
        }
      } catch (IOException e) {
        LOG.debug("standard input failed; taken as closed", e);
      }
      stopReason = "standard input closed";
      stop();
    }, "dualpush-run-stdin");
    t.setDaemon(true);
    t.start();
  }

  private void say(String line) {
    LOG.info(line);
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
