package dev.omega.mem.pool;

import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.spi.ManagerContext;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Test fixtures: a first-fit strategy written here so the pool is tested without the strategies
 * module.
 */
final class Fixtures {
  private Fixtures() {}

  static MemoryPoolConfig poolConfig(long poolSize) {
    return MemoryPoolConfig.builder()
        .poolSize(poolSize)
        .blockSize(4096)
        .allocationStrategy("first-fit")
        .build();
  }

  static OffHeapMemoryManager manager(
      long poolSize, MemoryManagerConfig config, BooleanSupplier collector) {
    return new OffHeapMemoryManager(
        new ManagerContext(poolConfig(poolSize), config, FIRST_FIT, collector));
  }

  static OffHeapMemoryManager manager(long poolSize) {
    return manager(poolSize, MemoryManagerConfig.defaults(), () -> false);
  }

  /** A plain first-fit strategy over a TreeMap: simple enough to be obviously right. */
  static final AllocationStrategyProvider FIRST_FIT =
      new AllocationStrategyProvider() {
        @Override
        public String name() {
          return "first-fit";
        }

        @Override
        public String description() {
          return "test first fit";
        }

        @Override
        public AllocationStrategy create(long totalUnits) {
          return new FirstFit(totalUnits);
        }
      };

  static final class FirstFit implements AllocationStrategy {
    private final long total;
    private final TreeMap<Long, Long> free = new TreeMap<>();

    FirstFit(long total) {
      this.total = total;
      free.put(0L, total);
    }

    @Override
    public String name() {
      return "first-fit";
    }

    @Override
    public long totalUnits() {
      return total;
    }

    @Override
    public long allocate(long units) {
      for (var e : free.entrySet()) {
        if (e.getValue() >= units) {
          long start = e.getKey();
          long length = e.getValue();
          free.remove(start);
          if (length > units) {
            free.put(start + units, length - units);
          }
          return start;
        }
      }
      return -1;
    }

    @Override
    public void free(long start, long units) {
      free.put(start, units);
      var next = free.higherEntry(start);
      if (next != null && next.getKey() == start + units) {
        free.remove(next.getKey());
        free.put(start, units + next.getValue());
      }
      var prev = free.lowerEntry(start);
      if (prev != null && prev.getKey() + prev.getValue() == start) {
        free.put(prev.getKey(), prev.getValue() + free.remove(start));
      }
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
