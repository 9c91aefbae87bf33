package io.dualpush.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens for hedged reads: every read earns {@code budget} of one, a hedge spends one, and at most {@code burst}
 * can be saved up. A new client starts with the burst saved, so its first slow reads can be hedged too. So hedges stay
 * under {@code budget} of reads plus the burst, whatever the endpoints do. Lock-free.
 */
final class HedgeBudget {
  private static final long ONE = 1_000_000;
  private final long earn;
  private final long cap;
  private final AtomicLong tokens;

  HedgeBudget(HedgeOptions options) {
    this.earn = Math.round(options.budget() * ONE);
    this.cap = options.enabled() ? options.burst() * ONE : 0;
    this.tokens = new AtomicLong(cap);
  }

  void onRead() {
    if (earn > 0) {
      tokens.accumulateAndGet(earn, (t, e) -> Math.min(cap, t + e));
    }
  }

  boolean tryHedge() {
    while (true) {
      long t = tokens.get();
      if (t < ONE) {
        return false;
      }
      if (tokens.compareAndSet(t, t - ONE)) {
        return true;
      }
    }
  }
}
