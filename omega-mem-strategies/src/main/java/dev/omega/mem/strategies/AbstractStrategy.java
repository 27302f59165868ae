package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategy;

/**
 * What every built-in strategy shares: argument checks, the free-run index and re-planning. A
 * subclass decides only where a run goes ({@link #place}).
 */
abstract class AbstractStrategy implements AllocationStrategy {
  protected final long totalUnits;
  protected final FreeRuns free = new FreeRuns();

  AbstractStrategy(long totalUnits) {
    FreeRuns.checkTotal(totalUnits);
    this.totalUnits = totalUnits;
    free.insert(0, totalUnits);
  }

  @Override
  public final long totalUnits() {
    return totalUnits;
  }

  @Override
  public final long allocate(long units) {
    checkUnits(units);
    return place(units);
  }

  /** Finds and claims a run of {@code units} ({@code units} is already checked), or returns -1. */
  abstract long place(long units);

  @Override
  public void free(long start, long units) {
    checkUnits(units);
    if (start < 0 || start + units > totalUnits) {
      throw new IllegalStateException(
          "run [" + start + ", " + (start + units) + ") is outside [0, " + totalUnits + ")");
    }
    free.insert(start, units);
  }

  @Override
  public long freeUnits() {
    return free.freeUnits();
  }

  @Override
  public long largestFreeRun() {
    return free.largest();
  }

  @Override
  public long freeRunCount() {
    return free.runCount();
  }

  @Override
  public void forEachFreeRun(RunVisitor visitor) {
    free.forEach(visitor);
  }

  @Override
  public void reset(long[] starts, long[] lengths, int count) {
    long cursor = 0;
    for (int i = 0; i < count; i++) {
      if (starts[i] < cursor || lengths[i] <= 0 || starts[i] + lengths[i] > totalUnits) {
        throw new IllegalArgumentException(
            "used runs must be ascending, non-empty and inside [0, "
                + totalUnits
                + "); run "
                + i
                + " is ["
                + starts[i]
                + ", "
                + (starts[i] + lengths[i])
                + ")");
      }
      cursor = starts[i] + lengths[i];
    }
    free.clear();
    cursor = 0;
    for (int i = 0; i < count; i++) {
      if (starts[i] > cursor) {
        free.insert(cursor, starts[i] - cursor);
      }
      cursor = starts[i] + lengths[i];
    }
    if (cursor < totalUnits) {
      free.insert(cursor, totalUnits - cursor);
    }
    afterReset();
  }

  /** Lets a subclass reset its own cursor after {@link #reset}. */
  void afterReset() {}

  private void checkUnits(long units) {
    if (units <= 0 || units > totalUnits) {
      throw new IllegalArgumentException(
          "units must be between 1 and " + totalUnits + ", got " + units);
    }
  }

  @Override
  public String toString() {
    return name()
        + "[total="
        + totalUnits
        + ", free="
        + freeUnits()
        + ", runs="
        + freeRunCount()
        + ", largest="
        + largestFreeRun()
        + "]";
  }
}
