package dev.omega.mem.strategies;

import java.util.Map;

/**
 * {@code batch}: many runs of one length in one call. {@link #allocateBatch} walks the free runs in
 * address order once and cuts as many runs as each holds, so n runs cost one pass: O(n + r log r)
 * for r free runs touched. It plans first and claims only when all n fit, so a batch that cannot be
 * served claims nothing. Single requests are first fit (lowest address), which packs a region from
 * its start and suits the bulk set-up of, say, a contract's fixed-size records.
 */
final class BatchStrategy extends AbstractStrategy {
  static final String NAME = "batch";

  BatchStrategy(long totalUnits) {
    super(totalUnits);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  long place(long units) {
    long runStart = free.nextFit(0, units);
    if (runStart >= 0) {
      free.claim(runStart, runStart, units);
    }
    return runStart;
  }

  @Override
  public boolean allocateBatch(long units, int count, long[] starts) {
    if (units <= 0 || units > totalUnits) {
      throw new IllegalArgumentException(
          "units must be between 1 and " + totalUnits + ", got " + units);
    }
    if (count < 0 || count > starts.length) {
      throw new IllegalArgumentException(
          "count " + count + " must be between 0 and starts.length " + starts.length);
    }
    if (count == 0) {
      return true;
    }
    if (free.freeUnits() / units < count) {
      return false;
    }
    // Plan: record which runs are cut and how many pieces each gives, without touching the index.
    int planned = 0;
    int runsUsed = 0;
    long[] runStarts =
        new long[Math.min(count, (int) Math.min(Integer.MAX_VALUE, free.runCount()))];
    long[] pieces = new long[runStarts.length];
    for (Map.Entry<Long, Long> run : free.inAddressOrder()) {
      long fit = run.getValue() / units;
      if (fit == 0) {
        continue;
      }
      long take = Math.min(fit, count - planned);
      for (long k = 0; k < take; k++) {
        starts[planned++] = run.getKey() + k * units;
      }
      runStarts[runsUsed] = run.getKey();
      pieces[runsUsed++] = take;
      if (planned == count) {
        break;
      }
    }
    if (planned < count) {
      return false;
    }
    // Commit: one claim per run touched (pieces of a run are contiguous from its start).
    for (int i = 0; i < runsUsed; i++) {
      free.claim(runStarts[i], runStarts[i], pieces[i] * units);
    }
    return true;
  }
}
