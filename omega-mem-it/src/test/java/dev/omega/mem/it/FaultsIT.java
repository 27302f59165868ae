package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.InvariantChecker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults injected into a running system: a collector plugin that throws, cleanup callbacks that
 * throw, threads interrupted mid-allocation, a system closed under running threads, and a batch
 * that cannot complete. Each must leave the system consistent (the invariant checker runs after
 * every test) and, where it stays open, serving requests.
 */
@Tag("stress_tests")
class FaultsIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private OmegaMemory system(long poolSize, String collector) {
    OmegaMemory omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(poolSize).build())
                .garbageCollector(
                    GarbageCollectorConfig.builder().collectionStrategy(collector).build())
                .build());
    invariants.track(omega.memoryManager());
    return omega;
  }

  @Test
  void collectorThatThrows_doesNotStopAllocation_andExhaustionStillEndsInOutOfMemory() {
    OmegaMemory omega = system(1 << 20, "faulty");
    ManagedHeap heap = invariants.track(omega.heap());
    List<HeapObject> rooted = new ArrayList<>();
    OutOfMemoryException full =
        assertThrows(
            OutOfMemoryException.class,
            () -> {
              while (true) {
                HeapObject o = heap.allocate(1, 256);
                heap.addRoot(o);
                rooted.add(o);
              }
            });
    assertTrue(rooted.size() > 1000, "allocation went on past the faulty threshold collections");
    assertTrue(
        full.getSuppressed().length == 1
            && full.getSuppressed()[0].getMessage().contains("injected collector fault"),
        "the collector's fault travels with the OutOfMemoryException");
    assertThrows(IllegalStateException.class, heap.collector()::forceCollection);
    for (HeapObject o : rooted) {
      assertEquals(0, o.data().getLong(0), "objects allocated before the fault are intact");
      heap.removeRoot(o);
    }
    SuiteTally.OPERATIONS.add(rooted.size());
  }

  @Test
  void cleanupCallbacksThatThrow_areReported_andEveryObjectIsStillReclaimed() {
    OmegaMemory omega = system(8 << 20, "mark-sweep");
    ManagedHeap heap = invariants.track(omega.heap());
    AtomicLong ran = new AtomicLong();
    try (HeapScope scope = heap.openScope()) {
      for (int i = 0; i < 500; i++) {
        HeapObject o = heap.allocate(0, 16);
        int n = i;
        heap.onCollect(
            o,
            () -> {
              ran.incrementAndGet();
              if (n % 2 == 0) {
                SuiteTally.FAULTS.increment();
                throw new IllegalStateException("injected cleanup fault " + n);
              }
            });
      }
    }
    assertTrue(heap.collector().forceCollection());
    assertEquals(500, ran.get(), "every callback ran, throwing or not");
    assertEquals(0, heap.objectCount());
  }

  @Test
  void threadsInterruptedMidAllocation_leaveAccountingExact() throws Exception {
    OmegaMemory omega = system(64 << 20, "generational");
    MemoryManager manager = omega.memoryManager();
    int threads = 64;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong operations = new AtomicLong();
    List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    List<MemoryBlock> mine = new ArrayList<>();
                    try {
                      while (!stop.get()) {
                        MemoryBlock b = manager.allocate(64 + operations.get() % 4000);
                        b.setLong(0, 42);
                        mine.add(b);
                        if (mine.size() > 32) {
                          manager.deallocate(mine.remove(0));
                        }
                        operations.incrementAndGet();
                      }
                    } catch (Throwable e) {
                      unexpected.add(e);
                    } finally {
                      mine.forEach(manager::deallocate);
                    }
                  }));
    }
    for (int round = 0; round < SuiteTally.scale(50, 500); round++) {
      for (Thread w : workers) {
        w.interrupt();
        SuiteTally.FAULTS.increment();
      }
      Thread.sleep(2);
    }
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    assertEquals(List.of(), unexpected, "an interrupt is not an allocation failure");
    assertEquals(0, manager.getStatistics().liveBlocks());
    SuiteTally.OPERATIONS.add(operations.get());
    SuiteTally.THREADS.accumulate(threads);
  }

  @Test
  void systemClosedUnderRunningThreads_failsThemCleanly() throws Exception {
    OmegaMemory omega =
        OmegaMemory.builder().pool(MemoryPoolConfig.builder().poolSize(16 << 20).build()).build();
    MemoryManager manager = omega.memoryManager();
    int threads = 32;
    Set<Class<?>> seen = ConcurrentHashMap.newKeySet();
    List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (true) {
                        MemoryBlock b = manager.allocate(256, Priority.NORMAL);
                        b.fill((byte) 1);
                        manager.deallocate(b);
                      }
                    } catch (IllegalStateException | UseAfterFreeException e) {
                      seen.add(e.getClass());
                    } catch (Throwable e) {
                      unexpected.add(e);
                    }
                  }));
    }
    Thread.sleep(50);
    omega.close();
    SuiteTally.FAULTS.increment();
    for (Thread w : workers) {
      w.join(10_000);
      assertFalse(w.isAlive(), "every thread learned the system was closed");
    }
    assertEquals(List.of(), unexpected, "only the documented exceptions");
    assertFalse(seen.isEmpty());
    assertThrows(IllegalStateException.class, () -> manager.allocate(64));
  }

  @Test
  void batchThatCannotComplete_claimsNothing() {
    for (AllocationStrategyProvider provider :
        ServiceLoader.load(AllocationStrategyProvider.class)) {
      AllocationStrategy strategy = provider.create(100);
      long big = strategy.allocate(88);
      assertTrue(big >= 0, provider.name());
      long[] starts = new long[8];
      long freeBefore = strategy.freeUnits();
      assertFalse(strategy.allocateBatch(4, 4, starts), provider.name() + ": 16 units do not fit");
      SuiteTally.FAULTS.increment();
      assertEquals(freeBefore, strategy.freeUnits(), provider.name() + ": nothing claimed");
      assertTrue(strategy.allocateBatch(4, 3, starts), provider.name() + ": 12 units do fit");
      assertEquals(0, strategy.freeUnits());
    }
  }
}
