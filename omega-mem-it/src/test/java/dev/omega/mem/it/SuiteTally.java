package dev.omega.mem.it;

import dev.omega.mem.testkit.InvariantChecker;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the reliability suite did, added up across its tests and printed as one closing line: the
 * figures the OMEGA test categories promise (operations, threads, faults, bad inputs, invariant
 * checks, data lost). Tests add to it as they go; {@link SuiteSummaryListener} prints it when the
 * JUnit session ends, whether Maven or {@code omega test} ran it.
 *
 * <p>Data figures: a test that reads back what it wrote reports each comparison through {@link
 * #compared} or {@link #mismatches} before it asserts, so {@code data checked} says how much was
 * actually compared and {@code data lost} counts the comparisons that differed, including those of
 * a test that then failed on them.
 */
final class SuiteTally {
  static final LongAdder OPERATIONS = new LongAdder();
  static final LongAccumulator THREADS = new LongAccumulator(Math::max, 0);
  static final LongAdder FAULTS = new LongAdder();
  static final LongAdder BAD_INPUTS = new LongAdder();

  /** Comparisons of data read back with what was written: a byte, a word, a list's length. */
  static final LongAdder DATA_CHECKED = new LongAdder();

  /** Those of {@link #DATA_CHECKED} that differed. */
  static final LongAdder DATA_LOST = new LongAdder();

  static final AtomicLong LEAKS_PLANTED = new AtomicLong();
  static final AtomicLong LEAKS_FOUND = new AtomicLong();
  static final AtomicLong FALSE_LEAK_REPORTS = new AtomicLong();
  static final AtomicLong LIVE_BLOCKS_WATCHED = new AtomicLong();
  static final AtomicLong RACE_TESTS = new AtomicLong();
  static final AtomicLong RACE_SAMPLES = new AtomicLong();
  static final AtomicLong RACE_FORBIDDEN = new AtomicLong();

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

  /**
   * Records {@code checked} comparisons of data read back with what was written, {@code mismatches}
   * of which differed, and returns {@code mismatches} for the caller to assert zero.
   */
  static long compared(long checked, long mismatches) {
    DATA_CHECKED.add(checked);
    DATA_LOST.add(mismatches);
    return mismatches;
  }

  /**
   * Compares {@code actual} with {@code expected} byte by byte (a length difference counts every
   * missing or extra byte), records the comparisons, and returns how many differed.
   */
  static long mismatches(byte[] expected, byte[] actual) {
    int common = Math.min(expected.length, actual.length);
    long differ = Math.abs(expected.length - actual.length);
    for (int i = 0; i < common; i++) {
      if (expected[i] != actual[i]) {
        differ++;
      }
    }
    return compared(Math.max(expected.length, actual.length), differ);
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
    String races =
        RACE_TESTS.get() == 0
            ? ""
            : String.format(
                Locale.ROOT,
                ", jcstress %d race tests over %,d interleavings (forbidden outcomes %d)",
                RACE_TESTS.get(),
                RACE_SAMPLES.get(),
                RACE_FORBIDDEN.get());
    return String.format(
        Locale.ROOT,
        "omega suite summary: operations %,d, threads %d, faults injected %,d, bad inputs tried %,d,"
            + " invariant checks passed %,d (failed %d)%s%s, data checked %,d, data lost %d",
        OPERATIONS.sum(),
        THREADS.get(),
        FAULTS.sum(),
        BAD_INPUTS.sum(),
        InvariantChecker.checksPassed(),
        InvariantChecker.checksFailed(),
        leaks,
        races,
        DATA_CHECKED.sum(),
        DATA_LOST.sum());
  }

  /** The summary's figures by name, for {@code omega test --format json}. */
  static Map<String, Long> figures() {
    Map<String, Long> f = new LinkedHashMap<>();
    f.put("operations", OPERATIONS.sum());
    f.put("threads", THREADS.get());
    f.put("faults_injected", FAULTS.sum());
    f.put("bad_inputs_tried", BAD_INPUTS.sum());
    f.put("invariant_checks_passed", InvariantChecker.checksPassed());
    f.put("invariant_checks_failed", InvariantChecker.checksFailed());
    f.put("leaks_planted", LEAKS_PLANTED.get());
    f.put("leaks_found", LEAKS_FOUND.get());
    f.put("false_leak_reports", FALSE_LEAK_REPORTS.get());
    f.put("live_blocks_watched", LIVE_BLOCKS_WATCHED.get());
    f.put("race_tests", RACE_TESTS.get());
    f.put("race_interleavings", RACE_SAMPLES.get());
    f.put("race_forbidden_outcomes", RACE_FORBIDDEN.get());
    f.put("data_checked", DATA_CHECKED.sum());
    f.put("data_lost", DATA_LOST.sum());
    return f;
  }

  static boolean anythingCounted() {
    return OPERATIONS.sum() > 0
        || InvariantChecker.checksPassed() > 0
        || BAD_INPUTS.sum() > 0
        || RACE_TESTS.get() > 0;
  }
}
