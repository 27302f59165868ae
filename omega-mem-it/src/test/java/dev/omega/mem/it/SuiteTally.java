package dev.omega.mem.it;

import dev.omega.mem.testkit.InvariantChecker;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the reliability suite did, added up across its tests and printed as one closing line: the
 * figures the OMEGA test categories promise (operations, threads, faults, bad inputs, invariant
 * checks, data lost). Tests add to it as they go; {@link SuiteSummaryListener} prints it when the
 * JUnit session ends, whether Maven or {@code omega test} ran it.
 */
final class SuiteTally {
  static final LongAdder OPERATIONS = new LongAdder();
  static final LongAccumulator THREADS = new LongAccumulator(Math::max, 0);
  static final LongAdder FAULTS = new LongAdder();
  static final LongAdder BAD_INPUTS = new LongAdder();
  static final LongAdder DATA_LOST = new LongAdder();
  static final AtomicLong LEAKS_PLANTED = new AtomicLong();
  static final AtomicLong LEAKS_FOUND = new AtomicLong();
  static final AtomicLong FALSE_LEAK_REPORTS = new AtomicLong();
  static final AtomicLong LIVE_BLOCKS_WATCHED = new AtomicLong();

  private SuiteTally() {}

  /**
   * Long versions: {@code -Pstress}, {@code omega test --stress-test} or {@code
   * -Domega.stress=true}.
   */
  static boolean stress() {
    return Boolean.getBoolean("omega.stress");
  }

  /** {@code shortRun} normally, {@code longRun} under stress. */
  static int scale(int shortRun, int longRun) {
    return stress() ? longRun : shortRun;
  }

  static String summary() {
    String leaks =
        LEAKS_PLANTED.get() == 0
            ? ""
            : String.format(
                Locale.ROOT,
                ", leaks found %d/%d, false leak reports %d over %d live blocks",
                LEAKS_FOUND.get(),
                LEAKS_PLANTED.get(),
                FALSE_LEAK_REPORTS.get(),
                LIVE_BLOCKS_WATCHED.get());
    return String.format(
        Locale.ROOT,
        "omega suite summary: operations %,d, threads %d, faults injected %,d, bad inputs tried %,d,"
            + " invariant checks passed %,d (failed %d)%s, data lost %d",
        OPERATIONS.sum(),
        THREADS.get(),
        FAULTS.sum(),
        BAD_INPUTS.sum(),
        InvariantChecker.checksPassed(),
        InvariantChecker.checksFailed(),
        leaks,
        DATA_LOST.sum());
  }

  static boolean anythingCounted() {
    return OPERATIONS.sum() > 0 || InvariantChecker.checksPassed() > 0 || BAD_INPUTS.sum() > 0;
  }
}
