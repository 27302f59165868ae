package dev.omega.mem.pool;

/**
 * Allocation-rate limit: a bucket of {@code ratePerSecond} tokens refilled continuously, so bursts
 * up to one second's worth pass and the long-run rate is capped. O(1), one short lock per call.
 *
 * <p>Thread safety: thread-safe ({@code synchronized}).
 */
final class TokenBucket {
  private final long ratePerSecond;
  private final java.util.function.LongSupplier clock;
  private double tokens;
  private long last;

  TokenBucket(long ratePerSecond, java.util.function.LongSupplier nanoClock) {
    this.ratePerSecond = ratePerSecond;
    this.clock = nanoClock;
    this.tokens = ratePerSecond;
    this.last = nanoClock.getAsLong();
  }

  synchronized boolean tryAcquire() {
    long now = clock.getAsLong();
    tokens = Math.min(ratePerSecond, tokens + (now - last) * (ratePerSecond / 1e9));
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Gives back a token taken for a request that then failed for another reason. */
  synchronized void refund() {
    tokens = Math.min(ratePerSecond, tokens + 1);
  }
}
