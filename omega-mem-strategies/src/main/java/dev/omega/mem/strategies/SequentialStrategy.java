package dev.omega.mem.strategies;

/**
 * {@code sequential}: next fit. A cursor remembers where the last run ended; the next request takes
 * the first free run at or after it that is long enough, wrapping around once. Freed runs are
 * coalesced with their neighbours, so space behind the cursor is reused when the cursor comes round
 * again.
 *
 * <p>Complexity: on a fresh or append-mostly pool the cursor sits at the start of the big tail run,
 * so one run is examined per request (bump allocation). Each request then costs O(log n) map
 * updates in the number of free runs n; the scan can reach O(n) runs only when many runs before the
 * end are too short. Next fit spreads reuse through the region, which keeps the recently freed
 * holes from being refilled immediately (good for catching use-after-free in tests, and cheap).
 */
final class SequentialStrategy extends AbstractStrategy {
  static final String NAME = "sequential";

  private long cursor;

  SequentialStrategy(long totalUnits) {
    super(totalUnits);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  long place(long units) {
    long runStart = free.nextFit(cursor, units);
    if (runStart < 0) {
      return -1;
    }
    free.claim(runStart, runStart, units);
    cursor = runStart + units == totalUnits ? 0 : runStart + units;
    return runStart;
  }

  @Override
  void afterReset() {
    cursor = 0;
  }
}
