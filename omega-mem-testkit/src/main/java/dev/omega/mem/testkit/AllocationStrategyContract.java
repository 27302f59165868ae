package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link AllocationStrategy} passes, built-in or user-written: subclass it and
 * return the provider. Every test checks the strategy against a bitmap model of which units are
 * used.
 */
public abstract class AllocationStrategyContract {

  /** For a strategy's contract test, which names the provider under test. */
  protected AllocationStrategyContract() {}

  protected abstract AllocationStrategyProvider provider();

  private AllocationStrategy strategy(long units) {
    return provider().create(units);
  }

  @Test
  public void create_freshStrategy_hasOneFreeRunCoveringEverything() {
    AllocationStrategy s = strategy(100);
    assertEquals(100, s.totalUnits());
    assertEquals(100, s.freeUnits());
    assertEquals(100, s.largestFreeRun());
    assertEquals(1, s.freeRunCount());
    assertEquals(provider().name(), s.name());
  }

  @Test
  public void allocate_untilFull_givesDisjointRunsThenMinusOne() {
    AllocationStrategy s = strategy(64);
    Model model = new Model(64);
    for (int i = 0; i < 16; i++) {
      long start = s.allocate(4);
      assertTrue(start >= 0, "allocation " + i + " failed with free units left");
      model.claim(start, 4);
    }
    assertEquals(-1, s.allocate(1));
    assertEquals(0, s.freeUnits());
    assertEquals(0, s.largestFreeRun());
    assertEquals(0, s.freeRunCount());
  }

  @Test
  public void free_neighbours_coalesceIntoOneRun() {
    AllocationStrategy s = strategy(30);
    long a = s.allocate(10);
    long b = s.allocate(10);
    long c = s.allocate(10);
    s.free(a, 10);
    s.free(c, 10);
    assertEquals(20, s.freeUnits());
    s.free(b, 10);
    assertEquals(1, s.freeRunCount());
    assertEquals(30, s.largestFreeRun());
    assertEquals(0, s.allocate(30));
  }

  @Test
  public void free_twice_throwsAndChangesNothing() {
    AllocationStrategy s = strategy(16);
    long a = s.allocate(4);
    s.allocate(4);
    s.free(a, 4);
    long freeBefore = s.freeUnits();
    long runsBefore = s.freeRunCount();
    assertThrows(IllegalStateException.class, () -> s.free(a, 4));
    assertEquals(freeBefore, s.freeUnits());
    assertEquals(runsBefore, s.freeRunCount());
  }

  @Test
  public void free_outsideRange_throws() {
    AllocationStrategy s = strategy(16);
    assertThrows(IllegalStateException.class, () -> s.free(14, 4));
    assertThrows(IllegalStateException.class, () -> s.free(-1, 1));
    assertEquals(16, s.freeUnits());
  }

  @Test
  public void allocate_badUnits_throwsIllegalArgument() {
    AllocationStrategy s = strategy(16);
    assertThrows(IllegalArgumentException.class, () -> s.allocate(0));
    assertThrows(IllegalArgumentException.class, () -> s.allocate(-3));
    assertThrows(IllegalArgumentException.class, () -> s.allocate(17));
    assertEquals(16, s.freeUnits());
  }

  @Test
  public void create_badTotal_throwsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> strategy(0));
    assertThrows(IllegalArgumentException.class, () -> strategy(1L << 32));
  }

  @Test
  public void allocate_whenFragmented_findsTheRunThatFits() {
    AllocationStrategy s = strategy(40);
    long[] runs = new long[8];
    for (int i = 0; i < 8; i++) {
      runs[i] = s.allocate(5);
    }
    for (int i = 0; i < 8; i += 2) {
      s.free(runs[i], 5);
    }
    assertEquals(20, s.freeUnits());
    assertEquals(5, s.largestFreeRun());
    assertEquals(-1, s.allocate(6), "no run of 6 exists although 20 units are free");
    long start = s.allocate(5);
    assertTrue(start >= 0 && (start / 5) % 2 == 0, "took a freed hole, got " + start);
  }

  @Test
  public void allocateBatch_whenAllFit_claimsDisjointRuns() {
    AllocationStrategy s = strategy(100);
    long[] starts = new long[10];
    assertTrue(s.allocateBatch(7, 10, starts));
    Model model = new Model(100);
    for (long start : starts) {
      model.claim(start, 7);
    }
    assertEquals(30, s.freeUnits());
  }

  @Test
  public void allocateBatch_whenNotAllFit_claimsNothing() {
    AllocationStrategy s = strategy(100);
    long a = s.allocate(50);
    long[] starts = new long[11];
    assertFalse(s.allocateBatch(5, 11, starts));
    assertEquals(50, s.freeUnits());
    s.free(a, 50);
    assertEquals(1, s.freeRunCount());
  }

  @Test
  public void reset_replansAroundTheGivenUsedRuns() {
    AllocationStrategy s = strategy(50);
    s.allocate(10);
    s.reset(new long[] {0, 20}, new long[] {5, 5}, 2);
    assertEquals(40, s.freeUnits());
    assertEquals(2, s.freeRunCount());
    List<long[]> runs = new ArrayList<>();
    s.forEachFreeRun((start, units) -> runs.add(new long[] {start, units}));
    assertArrayEquals(new long[] {5, 15}, runs.get(0));
    assertArrayEquals(new long[] {25, 25}, runs.get(1));
  }

  @Test
  public void reset_withOverlappingRuns_throwsAndKeepsState() {
    AllocationStrategy s = strategy(50);
    s.allocate(10);
    assertThrows(
        IllegalArgumentException.class, () -> s.reset(new long[] {0, 3}, new long[] {5, 5}, 2));
    assertEquals(40, s.freeUnits());
  }

  @Test
  public void randomOperations_matchBitmapModel() {
    for (long seed = 1; seed <= 20; seed++) {
      StrategyModelCheck.run(provider(), seed, 2_000, 257);
    }
  }

  /** A bitmap of used units that refuses overlaps: the reference model. */
  static final class Model {
    final BitSet used;
    final long total;

    Model(long total) {
      this.total = total;
      this.used = new BitSet((int) total);
    }

    void claim(long start, long units) {
      assertTrue(start >= 0 && start + units <= total, "run outside range: " + start);
      int next = used.nextSetBit((int) start);
      assertTrue(next < 0 || next >= start + units, "run [" + start + "+" + units + ") overlaps");
      used.set((int) start, (int) (start + units));
    }

    void release(long start, long units) {
      used.clear((int) start, (int) (start + units));
    }

    long free() {
      return total - used.cardinality();
    }

    long largestFree() {
      long best = 0;
      int i = used.nextClearBit(0);
      while (i < total) {
        int end = used.nextSetBit(i);
        if (end < 0) {
          end = (int) total;
        }
        best = Math.max(best, end - i);
        i = used.nextClearBit(end);
      }
      return best;
    }

    long runCount() {
      long runs = 0;
      int i = used.nextClearBit(0);
      while (i < total) {
        runs++;
        int end = used.nextSetBit(i);
        if (end < 0) {
          break;
        }
        i = used.nextClearBit(end);
      }
      return runs;
    }
  }

  /**
   * Random allocate/free/batch sequences checked step by step against {@link Model}: for a
   * property-based test over seeds and sizes (jqwik or your own loop).
   */
  public static final class StrategyModelCheck {
    private StrategyModelCheck() {}

    /**
     * Runs {@code steps} random operations from {@code seed} on a strategy of {@code total} units.
     */
    public static void run(AllocationStrategyProvider provider, long seed, int steps, int total) {
      Random random = new Random(seed);
      AllocationStrategy s = provider.create(total);
      Model model = new Model(total);
      List<long[]> live = new ArrayList<>();
      for (int step = 0; step < steps; step++) {
        int op = random.nextInt(10);
        if (op < 5) {
          long units = Math.min(total, 1 + random.nextInt(random.nextBoolean() ? 4 : 40));
          long start = s.allocate(units);
          if (start < 0) {
            assertTrue(
                model.largestFree() < units,
                "seed " + seed + " step " + step + ": refused " + units + " with a fitting run");
          } else {
            model.claim(start, units);
            live.add(new long[] {start, units});
          }
        } else if (op < 9 && !live.isEmpty()) {
          long[] run = live.remove(random.nextInt(live.size()));
          s.free(run[0], run[1]);
          model.release(run[0], run[1]);
        } else {
          long units = Math.min(total, 1 + random.nextInt(6));
          int count = 1 + random.nextInt(8);
          long[] starts = new long[count];
          long freeBefore = s.freeUnits();
          if (s.allocateBatch(units, count, starts)) {
            for (long start : starts) {
              model.claim(start, units);
              live.add(new long[] {start, units});
            }
          } else {
            assertEquals(freeBefore, s.freeUnits(), "failed batch claimed units");
          }
        }
        String where = "seed " + seed + " step " + step;
        assertEquals(model.free(), s.freeUnits(), where + ": free units");
        assertEquals(model.largestFree(), s.largestFreeRun(), where + ": largest run");
        assertEquals(model.runCount(), s.freeRunCount(), where + ": runs not coalesced");
      }
    }
  }
}
