package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;

/**
 * The clock a bounded collection step measures its budget by.
 *
 * <p>Design note. A step (a lazy sweep, a marking step, a batch of reference-count frees) looks at
 * the clock every batch of work and stops once its budget is spent. On an ordinary heap that is
 * {@link System#nanoTime()}. On a deterministic heap a step must stop at the same point in every
 * run, so its clock counts the looks instead: each look advances it by {@link #TICK_NANOS}, the
 * time a batch of work is taken to cost. A step then does the same work for the same budget
 * everywhere, and its pause is bounded by the work, not by the wall clock.
 *
 * <p>Thread safety: a collector's steps run one at a time ({@code collecting} lock); the counting
 * clock is confined to them.
 */
abstract class StepClock {
  /** What one look at the counting clock stands for: about one batch of work. */
  static final long TICK_NANOS = 20_000;

  /** The wall clock. */
  static final StepClock SYSTEM =
      new StepClock() {
        @Override
        long nanoTime() {
          return System.nanoTime();
        }
      };

  /** The clock for a collector built with {@code config}: counting when it is deterministic. */
  static StepClock of(GarbageCollectorConfig config) {
    return config.deterministic() ? new Counting() : SYSTEM;
  }

  abstract long nanoTime();

  /** Advances by {@link #TICK_NANOS} per look: a budget is a number of batches. */
  private static final class Counting extends StepClock {
    private long now;

    @Override
    long nanoTime() {
      now += TICK_NANOS;
      return now;
    }
  }
}
