package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.Priority;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The assembled manager under concurrency, exhaustion and leaks, with every strategy. */
class ManagerUnderLoadIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private static final long MIB = 1 << 20;

  private static OmegaMemory system(String strategy, long poolSize, MemoryManagerConfig manager) {
    return OmegaMemory.builder()
        .pool(MemoryPoolConfig.builder().poolSize(poolSize).allocationStrategy(strategy).build())
        .manager(manager)
        .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
        .build();
  }

  @Tag("concurrent_access")
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sequential", "random", "batch"})
  void threads256_allocateWriteVerifyFreeAcrossThreads_andAccountingReturnsToZero(String strategy)
      throws Exception {
    OmegaMemory omega =
        invariants.closeAfter(system(strategy, 256 * MIB, MemoryManagerConfig.defaults()));
    invariants.track(omega.memoryManager());

    MemoryManager m = omega.memoryManager();
    int threads = 256;
    int perThread = SuiteTally.scale(2_000, 20_000);
    ConcurrentLinkedQueue<MemoryBlock> handoff = new ConcurrentLinkedQueue<>();
    LongAdder corrupt = new LongAdder();
    LongAdder verified = new LongAdder();
    AtomicLong crossFrees = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      all.add(
          Thread.ofPlatform()
              .uncaughtExceptionHandler((thread, error) -> failures.add(error))
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    SplittableRandom random = new SplittableRandom(id);
                    List<MemoryBlock> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                      long size = 1 + random.nextInt(random.nextInt(20) == 0 ? 40_000 : 1024);
                      MemoryBlock b = m.allocate(size);
                      // Never zero, so that a block wiped to zero is not taken for intact.
                      byte pattern = (byte) ((id * 31 + i) % 255 + 1);
                      b.fill(pattern);
                      mine.add(b);
                      if (mine.size() > 8) {
                        MemoryBlock old = mine.remove(random.nextInt(mine.size()));
                        corrupt.add(differingBytes(old, verified));
                        if (random.nextBoolean()) {
                          handoff.add(old);
                        } else {
                          m.deallocate(old);
                        }
                      }
                      MemoryBlock other = handoff.poll();
                      if (other != null) {
                        corrupt.add(differingBytes(other, verified));
                        m.deallocate(other);
                        crossFrees.incrementAndGet();
                      }
                    }
                    for (MemoryBlock b : mine) {
                      corrupt.add(differingBytes(b, verified));
                      m.deallocate(b);
                    }
                  }));
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    for (MemoryBlock b; (b = handoff.poll()) != null; ) {
      m.deallocate(b);
    }
    System.out.printf(
        "%s: %d threads, %d allocations, %d cross-thread frees, %d corrupt%n",
        strategy, threads, (long) threads * perThread, crossFrees.get(), corrupt.sum());
    assertEquals(List.of(), failures, "no thread failed");
    SuiteTally.OPERATIONS.add((long) threads * perThread * 2);
    SuiteTally.THREADS.accumulate(threads);
    assertEquals(
        0,
        SuiteTally.compared(verified.sum(), corrupt.sum()),
        "bytes that changed, of " + verified.sum() + " verified");
    assertTrue(crossFrees.get() > 10_000, "cross-thread frees happened: " + crossFrees.get());
    assertEquals(0, m.getMemoryUsage());
    assertEquals(0, m.getStatistics().liveBlocks());
    assertEquals(0, m.getStatistics().requestedBytes());
  }

  /**
   * Bytes of {@code b} that lost its pattern: every byte holds one non-zero value, which the first
   * byte names (the thread that frees a handed-off block does not know it). Counts the bytes
   * compared in {@code verified}.
   */
  private static long differingBytes(MemoryBlock b, LongAdder verified) {
    byte[] bytes = b.toByteArray();
    verified.add(bytes.length);
    byte expected = bytes[0];
    if (expected == 0) {
      return bytes.length;
    }
    long differ = 0;
    for (byte value : bytes) {
      if (value != expected) {
        differ++;
      }
    }
    return differ;
  }

  @Tag("stress_tests")
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sequential", "random", "batch"})
  void exhaustionAtLow_criticalStillServedFromReserve_thenRecovery(String strategy) {
    OmegaMemory omega =
        invariants.closeAfter(
            system(
                strategy,
                8 * MIB,
                MemoryManagerConfig.builder().criticalReserveFraction(0.1).build()));
    invariants.track(omega.memoryManager());

    MemoryManager m = omega.memoryManager();
    List<MemoryBlock> low = new ArrayList<>();
    OutOfMemoryException refused = null;
    int i = 0;
    while (refused == null) {
      try {
        MemoryBlock b = m.allocate(20_000 + (i++ % 7) * 3000, Priority.LOW);
        b.setInt(0, i);
        low.add(b);
      } catch (OutOfMemoryException e) {
        refused = e;
      }
    }
    assertTrue(refused.getMessage().contains("CRITICAL reserve"), refused.getMessage());
    List<MemoryBlock> critical = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      MemoryBlock c = m.allocate(20_000, Priority.CRITICAL);
      c.fill((byte) 7);
      critical.add(c);
    }
    assertThrows(OutOfMemoryException.class, () -> m.allocate(4 * MIB, Priority.HIGH));
    for (int k = 0; k < low.size(); k++) {
      assertEquals(k + 1, low.get(k).getInt(0), "block " + k + " intact after the refusals");
    }
    low.forEach(m::deallocate);
    critical.forEach(m::deallocate);
    MemoryBlock again = m.allocate(2 * MIB, Priority.LOW);
    m.deallocate(again);
    assertEquals(0, m.getMemoryUsage());
  }

  @Tag("memory_leak_detection")
  @Test
  void leakDetection_findsEveryPlantedLeak_andReportsNoLiveBlock() throws InterruptedException {
    OmegaMemory omega =
        invariants.closeAfter(
            system(
                "sequential",
                64 * MIB,
                MemoryManagerConfig.builder().leakDetection(LeakDetectionLevel.FULL).build()));
    invariants.track(omega.memoryManager());

    MemoryManager m = omega.memoryManager();
    List<MemoryBlock> live = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      live.add(m.allocate(16 + i % 500));
    }
    int planted = 500;
    plant(m, planted);
    List<LeakReport> found = new ArrayList<>();
    for (int round = 0; round < 200 && found.size() < planted; round++) {
      System.gc();
      Thread.sleep(10);
      found.addAll(m.detectLeaks());
    }
    long falsePositives = found.stream().filter(r -> !r.allocationSite().contains("plant")).count();
    System.out.printf(
        "leak detection: %d of %d planted leaks found, %d false positives over %d live blocks%n",
        found.size() - falsePositives, planted, falsePositives, live.size());
    SuiteTally.LEAKS_PLANTED.addAndGet(planted);
    SuiteTally.LEAKS_FOUND.addAndGet(found.size() - falsePositives);
    SuiteTally.FALSE_LEAK_REPORTS.addAndGet(falsePositives);
    SuiteTally.LIVE_BLOCKS_WATCHED.addAndGet(live.size());
    assertEquals(planted, found.size());
    assertEquals(0, falsePositives);
    for (MemoryBlock b : live) {
      assertTrue(b.isValid());
      m.deallocate(b);
    }
    assertEquals(0, m.getMemoryUsage());
  }

  private static void plant(MemoryManager m, int count) {
    for (int i = 0; i < count; i++) {
      m.allocate(100 + i).setInt(0, i);
    }
  }
}
