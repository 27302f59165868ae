package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.RateLimitedException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stress and recovery: exhaustion at each priority, fragmentation storms then compaction while
 * threads use the pool, collections under allocation pressure, and a domain at its quota and rate
 * limit beside domains that must not notice. After each, the system serves requests again and every
 * surviving block holds its pattern.
 */
@Tag("stress_tests")
class StressIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private OmegaMemory system(long poolSize, String collector) {
    OmegaMemory omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(poolSize).build())
                .manager(MemoryManagerConfig.builder().criticalReserveFraction(0.1).build())
                .garbageCollector(
                    GarbageCollectorConfig.builder().collectionStrategy(collector).build())
                .build());
    invariants.track(omega.memoryManager());
    return omega;
  }

  @ParameterizedTest
  @EnumSource(
      value = Priority.class,
      names = {"LOW", "NORMAL", "HIGH"})
  void exhaustionAtEachPriority_leavesTheReserveToCritical_andRecovers(Priority priority) {
    MemoryManager m = system(4 << 20, "mark-sweep").memoryManager();
    List<MemoryBlock> held = new ArrayList<>();
    assertThrows(
        OutOfMemoryException.class,
        () -> {
          while (true) {
            MemoryBlock b = m.allocate(8192, priority);
            b.setLong(0, held.size());
            held.add(b);
          }
        });
    MemoryBlock critical = m.allocate(8192, Priority.CRITICAL);
    for (int i = 0; i < held.size(); i++) {
      assertEquals(i, held.get(i).getLong(0), "nothing lost at exhaustion");
      m.deallocate(held.get(i));
    }
    m.deallocate(critical);
    MemoryBlock again = m.allocate(8192, priority);
    m.deallocate(again);
    SuiteTally.OPERATIONS.add(held.size() * 2L + 3);
  }

  @Test
  void fragmentationStorm_thenCompactionUnderLoad_keepsEveryBlocksContents() throws Exception {
    OmegaMemory omega = system(32 << 20, "mark-sweep");
    MemoryManager m = omega.memoryManager();
    SplittableRandom random = new SplittableRandom(5);
    List<MemoryBlock> kept = new ArrayList<>();
    for (int round = 0; round < SuiteTally.scale(2_000, 20_000); round++) {
      MemoryBlock b = m.allocate(20_000 + random.nextInt(40_000));
      b.setLong(0, round);
      if (round % 3 == 0) {
        kept.add(b);
      } else {
        m.deallocate(b);
      }
      if (kept.size() > 150) {
        m.deallocate(kept.remove(random.nextInt(kept.size())));
      }
    }
    double before = omega.memoryPool().getFragmentationRatio();
    int threads = 16;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong operations = new AtomicLong();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try {
                      while (!stop.get()) {
                        MemoryBlock b = m.allocate(16 + r.nextInt(2000));
                        b.setLong(0, seed);
                        if (b.getLong(0) != seed) {
                          SuiteTally.DATA_LOST.increment();
                        }
                        m.deallocate(b);
                        operations.incrementAndGet();
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    // Compaction moves page runs; small blocks live in slabs, which the pool moves with their
    // contents. The manager serialises compaction with its own allocation paths.
    omega.memoryPool().compact();
    Thread.sleep(50);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    assertEquals(List.of(), failures);
    assertTrue(
        omega.memoryPool().getFragmentationRatio() <= before,
        "compaction did not make fragmentation worse");
    for (MemoryBlock b : kept) {
      assertTrue(b.getLong(0) % 3 == 0, "a kept block moved with its contents");
      m.deallocate(b);
    }
    SuiteTally.OPERATIONS.add(operations.get());
    SuiteTally.THREADS.accumulate(threads);
  }

  @Test
  void collectionsUnderAllocationPressure_keepReachableGraphsIntact() throws Exception {
    OmegaMemory omega = system(32 << 20, "generational");
    ManagedHeap heap = invariants.track(omega.heap());
    heap.collector().startCollectionCycle();
    int threads = 16;
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    AtomicLong operations = new AtomicLong();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (HeapScope scope = heap.openScope()) {
                      HeapObject keep = heap.allocate(1, 8);
                      keep.data().setLong(0, seed);
                      for (int i = 0; i < SuiteTally.scale(20_000, 200_000); i++) {
                        // Each young object in a scope of its own, so it is garbage once
                        // the scope closes unless `keep` holds it. In the thread's outer scope
                        // all of them stayed rooted: at the stress scale, 3.2 million roots
                        // for every young collection to visit, and more than the pool holds.
                        try (HeapScope step = heap.openScope()) {
                          HeapObject young = heap.allocate(1, 32);
                          young.data().setLong(0, i);
                          if (i % 100 == 0) {
                            heap.setReference(keep, 0, young);
                          }
                        }
                        operations.incrementAndGet();
                      }
                      if (keep.data().getLong(0) != seed) {
                        SuiteTally.DATA_LOST.increment();
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread w : workers) {
      w.join();
    }
    heap.collector().stopCollectionCycle();
    assertEquals(List.of(), failures);
    assertTrue(heap.collector().getCollectionStatistics().totalCollections() > 0);
    heap.collector().forceCollection();
    assertEquals(0, heap.objectCount(), "scopes closed: everything is garbage");
    SuiteTally.OPERATIONS.add(operations.get());
  }

  @Test
  void domainAtItsQuotaAndRateLimit_doesNotDisturbOthers() {
    MemoryManager m = system(16 << 20, "mark-sweep").memoryManager();
    MemoryDomain greedy =
        m.createDomain(new DomainConfig("greedy", 64 << 10, 1000, 8192, 1_000_000));
    MemoryDomain limited = m.createDomain(new DomainConfig("limited", 1 << 20, 1000, 8192, 10));
    MemoryDomain calm = m.createDomain(DomainConfig.unlimited("calm"));
    List<MemoryBlock> greedyBlocks = new ArrayList<>();
    assertThrows(
        QuotaExceededException.class,
        () -> {
          while (true) {
            greedyBlocks.add(greedy.allocate(4096));
          }
        });
    List<MemoryBlock> limitedBlocks = new ArrayList<>();
    assertThrows(
        RateLimitedException.class,
        () -> {
          while (true) {
            limitedBlocks.add(limited.allocate(64));
          }
        });
    List<MemoryBlock> calmBlocks = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      MemoryBlock b = calm.allocate(256);
      b.setInt(0, i);
      calmBlocks.add(b);
    }
    assertEquals(1000, calm.blockCount(), "the calm domain was not limited by the others");
    assertEquals(16, greedyBlocks.size(), "64 KiB quota in 4 KiB blocks");
    greedyBlocks.forEach(greedy::deallocate);
    greedy.allocate(4096);
    limitedBlocks.forEach(limited::deallocate);
    for (int i = 0; i < calmBlocks.size(); i++) {
      assertEquals(i, calmBlocks.get(i).getInt(0));
      calm.deallocate(calmBlocks.get(i));
    }
    greedy.close();
    limited.close();
    calm.close();
    SuiteTally.OPERATIONS.add(2000 + greedyBlocks.size() + limitedBlocks.size());
  }
}
