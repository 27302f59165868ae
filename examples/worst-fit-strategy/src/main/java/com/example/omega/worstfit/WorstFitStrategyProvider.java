package com.example.omega.worstfit;

import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import java.util.Map;
import java.util.TreeMap;

/**
 * A user-written strategy, the way a user would write one: worst fit (take the longest free run),
 * registered in this module's {@code META-INF/services} and chosen with {@code allocation_strategy
 * = worst-fit}. Deliberately simple: O(n) per request over a {@link TreeMap} of free runs. It
 * refuses misuse as {@link AllocationStrategy} asks, and passes the strategy contract ({@code
 * WorstFitStrategyContractTest}).
 */
public final class WorstFitStrategyProvider implements AllocationStrategyProvider {
  @Override
  public String name() {
    return "worst-fit";
  }

  @Override
  public String description() {
    return "worst fit, O(n): an example of a user plugin";
  }

  @Override
  public AllocationStrategy create(long totalUnits) {
    return new WorstFit(totalUnits);
  }

  public static final class WorstFit implements AllocationStrategy {
    private final long total;
    private final TreeMap<Long, Long> free = new TreeMap<>();

    public WorstFit(long total) {
      if (total < 1 || total >= 1L << 32) {
        throw new IllegalArgumentException(
            "totalUnits " + total + " must be between 1 and " + ((1L << 32) - 1));
      }
      this.total = total;
      free.put(0L, total);
    }

    @Override
    public String name() {
      return "worst-fit";
    }

    @Override
    public long totalUnits() {
      return total;
    }

    @Override
    public long allocate(long units) {
      if (units < 1 || units > total) {
        throw new IllegalArgumentException(
            "units " + units + " must be between 1 and totalUnits " + total);
      }
      Map.Entry<Long, Long> best = null;
      for (Map.Entry<Long, Long> e : free.entrySet()) {
        if (best == null || e.getValue() > best.getValue()) {
          best = e;
        }
      }
      if (best == null || best.getValue() < units) {
        return -1;
      }
      long start = best.getKey();
      long length = best.getValue();
      free.remove(start);
      if (length > units) {
        free.put(start + units, length - units);
      }
      return start;
    }

    @Override
    public void free(long start, long units) {
      if (units < 1 || start < 0 || start + units > total) {
        throw new IllegalStateException(
            "run [" + start + ", " + (start + units) + ") is outside [0, " + total + ")");
      }
      // A free run that overlaps this one: the last one starting before its end.
      Map.Entry<Long, Long> overlapping = free.lowerEntry(start + units);
      if (overlapping != null && overlapping.getKey() + overlapping.getValue() > start) {
        throw new IllegalStateException(
            "run ["
                + start
                + ", "
                + (start + units)
                + ") is partly free already (a double free?): free run at "
                + overlapping.getKey());
      }
      long s = start;
      long len = units;
      Map.Entry<Long, Long> before = free.lowerEntry(s);
      if (before != null && before.getKey() + before.getValue() == s) {
        free.remove(before.getKey());
        s = before.getKey();
        len += before.getValue();
      }
      Long after = free.remove(start + units);
      if (after != null) {
        len += after;
      }
      free.put(s, len);
    }

    @Override
    public long freeUnits() {
      return free.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public long largestFreeRun() {
      return free.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    @Override
    public long freeRunCount() {
      return free.size();
    }

    @Override
    public void forEachFreeRun(RunVisitor visitor) {
      free.forEach(visitor::run);
    }

    @Override
    public void reset(long[] starts, long[] lengths, int count) {
      long end = 0;
      for (int i = 0; i < count; i++) {
        if (starts[i] < end || lengths[i] < 1 || starts[i] + lengths[i] > total) {
          throw new IllegalArgumentException(
              "used runs must be ascending, disjoint, non-empty and inside [0, "
                  + total
                  + "); run "
                  + i
                  + " starts at "
                  + starts[i]
                  + " with length "
                  + lengths[i]);
        }
        end = starts[i] + lengths[i];
      }
      free.clear();
      long cursor = 0;
      for (int i = 0; i < count; i++) {
        if (starts[i] > cursor) {
          free.put(cursor, starts[i] - cursor);
        }
        cursor = starts[i] + lengths[i];
      }
      if (cursor < total) {
        free.put(cursor, total - cursor);
      }
    }
  }
}
