package dev.omega.mem.pool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Checks that the pool, the slabs and the thread caches agree; each disagreement is one line.
 *
 * <p>Design note. Four checks, in order:
 *
 * <ol>
 *   <li>the pool's own invariants ({@link OffHeapPool#checkInvariants()});
 *   <li>every free slab block is in exactly one place: a slab's free stack, a thread's stash or a
 *       limbo. Each is named by its {@link SlabIds} entry and added to one set; an entry found
 *       twice is a block that would be handed out twice. A slab listed as partial must have a free
 *       block;
 *   <li>each class's running count of blocks out of slabs ({@link SizeClass#outstanding}) equals
 *       what its slabs' free stacks say ({@link SmallBlocks#outOfSlabs});
 *   <li>the memory usage from the running counts equals the bytes counted from the slabs ({@link
 *       ManagerStatistics}).
 * </ol>
 *
 * <p>Thread safety: each class is read under its lock, but caches are read without their owners'
 * consent, so the result is exact only with no allocation in flight (the invariant checker runs
 * between tests).
 */
final class IntegrityCheck {
  private final OffHeapPool pool;
  private final SmallBlocks small;
  private final ThreadCaches caches;
  private final ManagerStatistics statistics;

  IntegrityCheck(
      OffHeapPool pool, SmallBlocks small, ThreadCaches caches, ManagerStatistics statistics) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.small = Objects.requireNonNull(small, "small is null");
    this.caches = Objects.requireNonNull(caches, "caches is null");
    this.statistics = Objects.requireNonNull(statistics, "statistics is null");
  }

  /** The problems found; empty when everything agrees. */
  List<String> run() {
    List<String> problems = new ArrayList<>(pool.checkInvariants());
    Set<Long> free = new HashSet<>();
    LongConsumer once =
        entry -> {
          if (!free.add(entry)) {
            problems.add(
                "block "
                    + SlabIds.indexOf(entry)
                    + " of slab "
                    + SlabIds.idOf(entry)
                    + " is free in two places");
          }
        };
    for (SizeClass sc : small.sizeClasses()) {
      synchronized (sc) {
        for (Slab slab : sc.partial) {
          if (!slab.hasFree()) {
            problems.add("class " + sc.blockSize + ": a full slab is listed as having free blocks");
          }
          slab.forEachFree(index -> once.accept(SlabIds.entry(slab.id, index)));
        }
      }
    }
    for (ThreadCache cache : caches.all()) {
      for (int c = 0; c < small.classCount(); c++) {
        for (int i = 0; i < cache.count(c); i++) {
          once.accept(cache.entry(c * small.cacheCapacity + i));
        }
      }
      for (int i = 0; i < cache.limboCount; i++) {
        once.accept(cache.limboEntry(i));
      }
    }
    for (SizeClass sc : small.sizeClasses()) {
      synchronized (sc) {
        long counted = small.outOfSlabs(sc);
        if (sc.outstanding != counted) {
          problems.add(
              "class "
                  + sc.blockSize
                  + ": "
                  + sc.outstanding
                  + " blocks counted out of slabs, but the slabs miss "
                  + counted);
        }
      }
    }
    long usage = statistics.memoryUsage();
    long live = statistics.liveBytes();
    if (usage != live) {
      problems.add(
          "memory usage " + usage + " differs from the " + live + " bytes the slabs account for");
    }
    return problems;
  }
}
