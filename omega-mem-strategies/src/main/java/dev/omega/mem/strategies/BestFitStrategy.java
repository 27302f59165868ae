package dev.omega.mem.strategies;

/**
 * {@code random}: best fit for any allocate/free order. Free runs are indexed by {@code (length,
 * start)} in a red-black tree ({@link FreeRuns}); a request takes the shortest run that is long
 * enough, lowest address among equals, and the rest of that run stays free.
 *
 * <p>Complexity: O(log n) per allocate and free in the number of free runs n, whatever the order of
 * requests. Best fit keeps long runs whole for long requests, which is what a random mix of sizes
 * needs; its cost is more small leftover runs than first fit leaves.
 */
final class BestFitStrategy extends AbstractStrategy {
  static final String NAME = "random";

  BestFitStrategy(long totalUnits) {
    super(totalUnits);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  long place(long units) {
    long runStart = free.bestFit(units);
    if (runStart >= 0) {
      free.claim(runStart, runStart, units);
    }
    return runStart;
  }
}
