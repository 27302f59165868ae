package dev.omega.mem.spi;

/**
 * Decides where runs of pages go in a pool. A strategy works on page numbers ("units") only: it
 * never touches memory, so it is pure arithmetic, cheap to test against a model, and swappable.
 *
 * <p>All units start free. The pool calls {@link #allocate} for a run and {@link #free} with
 * exactly a run it was given; it never frees a unit twice. A strategy still refuses misuse, leaving
 * its state unchanged, as the contract every strategy passes checks ({@code
 * dev.omega.mem.testkit.AllocationStrategyContract}): a bad argument throws {@link
 * IllegalArgumentException}, a free of units that are free or outside the range {@link
 * IllegalStateException}.
 *
 * <p>Thread safety: none; the pool serialises every call.
 */
public interface AllocationStrategy {

  /** The name the strategy was chosen by. */
  String name();

  /** Units under management. */
  long totalUnits();

  /**
   * Finds and claims {@code units} contiguous free units.
   *
   * @param units at least 1
   * @return the first unit of the run, or {@code -1} when no free run is long enough
   * @throws IllegalArgumentException if {@code units} is below 1 or above {@link #totalUnits()}
   */
  long allocate(long units);

  /**
   * Claims {@code count} runs of {@code units} each, all or nothing.
   *
   * @param starts receives the first unit of each run in {@code [0, count)}
   * @return {@code true} when all were claimed; {@code false} (and nothing claimed) otherwise
   */
  default boolean allocateBatch(long units, int count, long[] starts) {
    if (count < 0 || count > starts.length) {
      throw new IllegalArgumentException(
          "count " + count + " must be between 0 and starts.length " + starts.length);
    }
    for (int i = 0; i < count; i++) {
      long start = allocate(units);
      if (start < 0) {
        for (int j = 0; j < i; j++) {
          free(starts[j], units);
        }
        return false;
      }
      starts[i] = start;
    }
    return true;
  }

  /**
   * Returns a run previously claimed.
   *
   * @throws IllegalStateException if the run leaves {@code [0, totalUnits())} or any unit of it is
   *     already free (a double free)
   */
  void free(long start, long units);

  long freeUnits();

  /** Length of the longest run of free units. */
  long largestFreeRun();

  /** Number of maximal runs of free units. */
  long freeRunCount();

  /** Visits every maximal free run in ascending order of start. */
  void forEachFreeRun(RunVisitor visitor);

  /**
   * Forgets everything and re-plans: exactly the given runs are used, the rest free. The pool calls
   * this after compaction moved runs.
   *
   * @param starts first unit of each used run, ascending
   * @param lengths length of each used run
   * @param count number of used runs
   * @throws IllegalArgumentException if the runs are not ascending, non-empty, disjoint and inside
   *     the range; the strategy keeps its state
   */
  void reset(long[] starts, long[] lengths, int count);

  /** Receives runs of units. */
  @FunctionalInterface
  interface RunVisitor {
    void run(long start, long units);
  }
}
