package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frees by a thread other than the allocating one, frees racing each other, and the limbo where
 * freed blocks wait for a grace period. Every test ends with {@code verifyIntegrity}, which fails
 * when any free block is in two places (a slab, a cache, a limbo).
 */
class CrossThreadFreeTest {
  private static final long MIB = 1 << 20;
  private final OffHeapMemoryManager m = Fixtures.manager(16 * MIB);

  @AfterEach
  void noBlockIsFreeTwice() {
    assertEquals(List.of(), m.verifyIntegrity());
    m.close();
  }

  /** Runs {@code body} on a new platform thread and waits for it; rethrows what it threw. */
  private static void onAnotherThread(Runnable body) throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    body.run();
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    t.join();
    if (failure.get() instanceof RuntimeException e) {
      throw e;
    }
    assertEquals(null, failure.get());
  }

  @Test
  void free_ofOneBlockOnTwoThreadsAtOnce_returnsOnceAndThrowsOnce() throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    AtomicInteger returned = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    int rounds = 2_000;
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      blocks.add(m.allocate(64));
    }
    Runnable racer =
        () -> {
          try {
            for (MemoryBlock b : blocks) {
              start.await();
              try {
                m.deallocate(b);
                returned.incrementAndGet();
              } catch (DoubleFreeException e) {
                refused.incrementAndGet();
              }
            }
          } catch (Throwable e) {
            unexpected.set(e);
          }
        };
    Thread a = Thread.ofPlatform().start(racer);
    Thread b = Thread.ofPlatform().start(racer);
    a.join();
    b.join();
    assertEquals(null, unexpected.get());
    assertEquals(rounds, returned.get(), "exactly one free of each block returns");
    assertEquals(rounds, refused.get(), "exactly one free of each block throws");
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void blockFreedByAnotherThread_isRefusedThroughItsHandle_andItsMemoryComesBack()
      throws Exception {
    MemoryBlock b = m.allocate(100);
    b.setLong(0, 42);
    onAnotherThread(() -> m.deallocate(b));
    assertThrows(UseAfterFreeException.class, () -> b.getLong(0));
    assertThrows(DoubleFreeException.class, () -> m.deallocate(b));
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void limbo_holdsFreedBlocks_untilAGracePeriod_thenTheSameThreadReusesThem() {
    List<Block> freed = new ArrayList<>();
    for (int i = 0; i < ThreadCache.LIMBO_RETIRE_BATCH; i++) {
      freed.add((Block) m.allocate(64));
    }
    freed.forEach(m::deallocate);
    ThreadCache cache = m.cache();
    assertEquals(freed.size(), cache.limboCount, "freed blocks wait in the freeing thread's limbo");
    long before = AccessGuard.gracePeriods();
    List<MemoryBlock> held = new ArrayList<>();
    Block again = null;
    Block first = freed.get(0);
    for (int i = 0; i < 10_000 && again == null; i++) {
      Block b = (Block) m.allocate(64);
      if (b.region == first.region && b.index == first.index) {
        again = b;
      } else {
        held.add(b);
      }
    }
    assertTrue(again != null, "a freed block came back to its thread");
    assertNotSame(first, again);
    assertTrue(AccessGuard.gracePeriods() > before, "a grace period ran before the reuse");
    assertThrows(UseAfterFreeException.class, () -> first.getLong(0));
    again.setLong(0, 7);
    assertEquals(7, again.getLong(0));
    m.deallocate(again);
    held.forEach(m::deallocate);
  }

  @Test
  void allocate_whenAnIdleLiveThreadHoldsTheFreedMemory_takesItInsteadOfRefusing()
      throws Exception {
    OffHeapMemoryManager small =
        Fixtures.manager(
            1 * MIB,
            dev.omega.mem.api.MemoryManagerConfig.builder().criticalReserveFraction(0).build(),
            () -> false);
    java.util.concurrent.CountDownLatch parked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread idle =
        Thread.ofPlatform()
            .start(
                () -> {
                  // Fill most of the pool with small blocks, free them all: they stay parked in
                  // this thread's stash and limbo, pinning the slabs they came from.
                  List<MemoryBlock> mine = new ArrayList<>();
                  for (int i = 0; i < 2_000; i++) {
                    mine.add(small.allocate(200));
                  }
                  // Interleaved, so the last frees, which stay parked, come from every slab.
                  for (int start = 0; start < 100; start++) {
                    for (int i = start; i < mine.size(); i += 100) {
                      small.deallocate(mine.get(i));
                    }
                  }
                  parked.countDown();
                  try {
                    release.await(); // alive and idle, outside the manager
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    parked.await();
    ThreadCache held = null;
    for (ThreadCache c : small.caches().all()) {
      if (c.ownerId == idle.threadId()) {
        held = c;
      }
    }
    assertTrue(held != null && held.cachedBytes + held.limboBytes > 0, "the thread parked blocks");
    // All the pages but the one slab a class keeps: only there if the idle thread's blocks come
    // back (a 1 MiB pool has 32 KiB slabs).
    long want = small.pool().capacityBytes() - 32 * 1024;
    MemoryBlock big = small.allocate(want);
    assertEquals(want, big.size());
    assertEquals(0, held.cachedBytes + held.limboBytes, "the idle thread's blocks were taken");
    small.deallocate(big);
    release.countDown();
    idle.join();
    assertEquals(List.of(), small.verifyIntegrity());
    small.close();
  }

  @Test
  void freedBlock_isNotReused_whileAnAccessThatMaySeeItIsInFlight() throws Exception {
    Block victim = (Block) m.allocate(64);
    java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch leave = new java.util.concurrent.CountDownLatch(1);
    // Another thread stands inside an access, as a write through a stale handle would.
    Thread accessor =
        Thread.ofPlatform()
            .start(
                () -> {
                  AccessGuard.Record r = AccessGuard.enter();
                  inside.countDown();
                  try {
                    leave.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    AccessGuard.exit(r);
                  }
                });
    inside.await();
    List<MemoryBlock> held = new ArrayList<>();
    boolean reusedTooSoon = false;
    try {
      List<MemoryBlock> others = new ArrayList<>();
      for (int i = 0; i < 2 * ThreadCache.LIMBO_RETIRE_BATCH; i++) {
        others.add(m.allocate(64));
      }
      m.deallocate(victim);
      others.forEach(m::deallocate);
      for (int i = 0; i < 2_000 && !reusedTooSoon; i++) {
        Block b = (Block) m.allocate(64);
        held.add(b);
        reusedTooSoon = b.region == victim.region && b.index == victim.index;
      }
    } finally {
      leave.countDown(); // whatever happened, let the access leave, or close would wait for it
      accessor.join();
    }
    assertTrue(
        !reusedTooSoon, "the block was reused while an access that may still see it was in flight");
    boolean back = false;
    for (int i = 0; i < 10_000 && !back; i++) {
      Block b = (Block) m.allocate(64);
      held.add(b);
      back = b.region == victim.region && b.index == victim.index;
    }
    assertTrue(back, "once the access left, the block came back");
    held.forEach(m::deallocate);
  }

  @Test
  void threadsThatEnd_giveBackEveryByte_withoutAnyAllocationFailing() throws Exception {
    int threads = 32;
    List<Thread> started = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<List<MemoryBlock>> handed = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      handed.add(new ArrayList<>());
    }
    for (int t = 0; t < threads; t++) {
      int me = t;
      started.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      List<MemoryBlock> mine = new ArrayList<>();
                      for (int i = 0; i < 2_000; i++) {
                        mine.add(m.allocate(8 + (i * 37) % 2040));
                        if (mine.size() > 64) {
                          m.deallocate(mine.remove(i % mine.size()));
                        }
                      }
                      // A quarter of what is left goes to the next thread, which frees it.
                      List<MemoryBlock> give = handed.get((me + 1) % threads);
                      synchronized (give) {
                        for (int i = 0; i < mine.size(); i += 4) {
                          give.add(mine.set(i, null));
                        }
                      }
                      for (MemoryBlock b : mine) {
                        if (b != null) {
                          m.deallocate(b);
                        }
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread t : started) {
      t.join();
    }
    assertEquals(null, failure.get());
    onAnotherThread(
        () -> {
          for (List<MemoryBlock> list : handed) {
            list.forEach(m::deallocate);
          }
        });
    assertEquals(0, m.getMemoryUsage(), "every byte came back once every thread ended");
    assertEquals(0, m.getStatistics().liveBlocks());
  }
}
