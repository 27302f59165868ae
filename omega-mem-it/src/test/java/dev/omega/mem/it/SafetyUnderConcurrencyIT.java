package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checked-handle promise under concurrency (DESIGN §3): whatever other threads do at the same
 * time (compaction, frees, reallocation), an access through a handle never reads or writes another
 * live block's bytes, compaction loses no write, two racing frees return exactly once, and memory
 * freed by any thread serves the next allocation. Each test counts the bytes it compared and fails
 * on a single foreign or lost byte.
 */
@Tag("concurrent_access")
class SafetyUnderConcurrencyIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private static final long MIB = 1 << 20;

  /** Builds a system on direct or checked pool memory (the property is read when the pool is). */
  private OmegaMemory system(boolean direct, long poolSize, boolean compaction) {
    OmegaMemory omega = untracked(direct, poolSize, compaction);
    invariants.closeAfter(omega);
    invariants.track(omega.memoryManager());
    return omega;
  }

  /** {@link #system}, without the after-test checks: for a test that closes it under load. */
  private static OmegaMemory untracked(boolean direct, long poolSize, boolean compaction) {
    String before = System.getProperty("omega.mem.directAccess");
    System.setProperty("omega.mem.directAccess", Boolean.toString(direct));
    try {
      OmegaMemory omega =
          OmegaMemory.builder()
              .pool(
                  MemoryPoolConfig.builder()
                      .poolSize(poolSize)
                      .enableCompaction(compaction)
                      .maxFragmentationThreshold(0.0)
                      .build())
              .manager(MemoryManagerConfig.builder().criticalReserveFraction(0).build())
              .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
              .build();
      return omega;
    } finally {
      if (before == null) {
        System.clearProperty("omega.mem.directAccess");
      } else {
        System.setProperty("omega.mem.directAccess", before);
      }
    }
  }

  /** Runs {@code body} on {@code n} platform threads; fails with the first thing one threw. */
  private static void onThreads(int n, IntConsumer body) throws InterruptedException {
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      int id = t;
      all.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                      body.accept(id);
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    if (!failures.isEmpty()) {
      AssertionError error = new AssertionError("a worker failed: " + failures.get(0));
      failures.forEach(error::addSuppressed);
      throw error;
    }
  }

  /** The byte a block of writer {@code id}, generation {@code gen}, holds at {@code offset}. */
  private static byte pattern(int id, long gen, long offset) {
    long x = (id + 1) * 0x9E3779B97F4A7C15L + gen * 0xBF58476D1CE4E5B9L + offset;
    return (byte) (x ^ (x >>> 29) ^ (x >>> 47) | 1);
  }

  /** Writes the pattern into every byte, one long at a time, then reads every byte back. */
  private static long writeAndVerify(MemoryBlock b, int id, long gen) {
    long size = b.size();
    for (long off = 0; off < size; off++) {
      b.setByte(off, pattern(id, gen, off));
    }
    long wrong = 0;
    for (long off = 0; off < size; off++) {
      if (b.getByte(off) != pattern(id, gen, off)) {
        wrong++;
      }
    }
    return wrong;
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void compact_thousandTimesWhileEightThreadsWriteAndVerify_losesNoByte(boolean direct)
      throws Exception {
    OmegaMemory omega = system(direct, 16 * MIB, false);
    MemoryManager m = omega.memoryManager();
    MemoryPool pool = omega.memoryPool();
    int writers = 8;
    int compactions = SuiteTally.scale(1_000, 10_000);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong compared = new AtomicLong();
    AtomicLong wrong = new AtomicLong();
    AtomicInteger moved = new AtomicInteger();
    onThreads(
        writers + 1,
        id -> {
          if (id == writers) {
            for (int i = 0; i < compactions; i++) {
              // Room for the writers to free blocks and open holes between two compactions.
              java.util.concurrent.locks.LockSupport.parkNanos(20_000);
              if (pool.compact()) {
                moved.incrementAndGet();
              }
            }
            done.set(true);
            return;
          }
          SplittableRandom random = new SplittableRandom(id);
          List<MemoryBlock> mine = new ArrayList<>();
          long gen = 0;
          while (!done.get()) {
            // Page runs (above the slab sizes) that come and go, so compaction has holes to close.
            MemoryBlock b = m.allocate(17_000 + random.nextInt(20_000));
            long g = gen++;
            wrong.addAndGet(writeAndVerify(b, id, g));
            compared.addAndGet(b.size());
            mine.add(b);
            b.setLong(0, g);
            if (mine.size() > 6) {
              MemoryBlock old = mine.remove(random.nextInt(mine.size()));
              long og = old.getLong(0);
              for (long off = 8; off < old.size(); off++) {
                if (old.getByte(off) != pattern(id, og, off)) {
                  wrong.incrementAndGet();
                }
              }
              compared.addAndGet(old.size());
              m.deallocate(old);
            }
          }
          mine.forEach(m::deallocate);
        });
    SuiteTally.OPERATIONS.add(compactions);
    assertEquals(0, wrong.get(), "bytes changed or lost of " + compared.get() + " compared");
    assertTrue(moved.get() > 0, "compaction never moved a region: the test tested nothing");
    assertTrue(compared.get() > 0);
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void allocationFailures_compactByThemselves_whileOtherThreadsWrite_losesNoByte(boolean direct)
      throws Exception {
    OmegaMemory omega = system(direct, 8 * MIB, true);
    MemoryManager m = omega.memoryManager();
    int threads = 6;
    int rounds = SuiteTally.scale(300, 3_000);
    AtomicLong wrong = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    onThreads(
        threads,
        id -> {
          SplittableRandom random = new SplittableRandom(id * 7L);
          List<MemoryBlock> mine = new ArrayList<>();
          for (int i = 0; i < rounds; i++) {
            try {
              // Sizes that fragment a small pool, so large requests fail for fragmentation.
              MemoryBlock b = m.allocate(random.nextInt(3) == 0 ? 1_000_000 : 60_000);
              wrong.addAndGet(writeAndVerify(b, id, i));
              b.setLong(0, i);
              mine.add(b);
            } catch (OutOfMemoryException e) {
              refused.incrementAndGet();
            }
            if (mine.size() > 4 || (!mine.isEmpty() && random.nextBoolean())) {
              MemoryBlock old = mine.remove(random.nextInt(mine.size()));
              long g = old.getLong(0);
              for (long off = 8; off < old.size(); off++) {
                if (old.getByte(off) != pattern(id, g, off)) {
                  wrong.incrementAndGet();
                }
              }
              m.deallocate(old);
            }
          }
          mine.forEach(m::deallocate);
        });
    assertEquals(0, wrong.get(), "bytes changed or lost");
    assertTrue(
        omega.memoryPool().getPoolStatistics().compactions() > 0,
        "no allocation failure compacted: the test tested nothing (refused " + refused + ")");
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void bulkWritesRacingFreeAndReuse_neverReachTheNextOwner(boolean direct) throws Exception {
    OmegaMemory omega = system(direct, 64 * MIB, false);
    MemoryManager m = omega.memoryManager();
    int size = 2 << 20;
    int rounds = SuiteTally.scale(60, 600);
    byte[] foreign = new byte[size];
    java.util.Arrays.fill(foreign, (byte) 0x5A);
    AtomicLong wrong = new AtomicLong();
    AtomicLong refusedWrites = new AtomicLong();
    AtomicLong compared = new AtomicLong();
    // Slab-sized blocks too: the small path parks frees in a limbo, the large one waits in free.
    int[] sizes = {size, 4096, 200};
    for (int blockSize : sizes) {
      ConcurrentLinkedQueue<MemoryBlock> shared = new ConcurrentLinkedQueue<>();
      AtomicBoolean done = new AtomicBoolean();
      onThreads(
          4,
          id -> {
            if (id < 2) {
              // Writers: copy and fill through whatever handle is there, freed or not.
              while (!done.get()) {
                MemoryBlock b = shared.peek();
                if (b == null) {
                  Thread.onSpinWait();
                  continue;
                }
                try {
                  if (id == 0) {
                    b.copyFrom(foreign, 0, 0, blockSize);
                  } else {
                    b.fill((byte) 0x5A);
                  }
                } catch (UseAfterFreeException e) {
                  refusedWrites.incrementAndGet();
                }
              }
              return;
            }
            // Owners: allocate, publish to the writers, free, allocate the same size again and
            // check that the new block holds only what its owner wrote.
            for (int i = 0; i < rounds * (blockSize == size ? 1 : 50); i++) {
              MemoryBlock victim = m.allocate(blockSize);
              shared.add(victim);
              Thread.yield();
              shared.remove(victim);
              m.deallocate(victim);
              MemoryBlock next = m.allocate(blockSize);
              byte mine = (byte) (id * 16 + 1);
              next.fill(mine);
              Thread.onSpinWait();
              byte[] back = new byte[blockSize];
              next.copyTo(0, back, 0, blockSize);
              for (byte x : back) {
                if (x != mine) {
                  wrong.incrementAndGet();
                }
              }
              compared.addAndGet(blockSize);
              m.deallocate(next);
            }
            if (id == 3) {
              done.set(true);
            }
          });
    }
    assertEquals(
        0, wrong.get(), "foreign bytes in live blocks, of " + compared.get() + " compared");
    assertTrue(refusedWrites.get() > 0, "no write ever raced a free: the test tested nothing");
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void close_racingReadsAndWrites_neverReturnsAnotherBlocksBytesOrFaults(boolean direct)
      throws Exception {
    int rounds = SuiteTally.scale(20, 200);
    AtomicLong wrong = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    for (int round = 0; round < rounds; round++) {
      OmegaMemory omega = untracked(direct, 16 * MIB, false);
      MemoryManager m = omega.memoryManager();
      List<MemoryBlock> blocks = new ArrayList<>();
      for (int i = 0; i < 256; i++) {
        MemoryBlock b = m.allocate(i % 4 == 0 ? 20_000 : 64);
        b.setLong(0, i + 1);
        blocks.add(b);
      }
      onThreads(
          3,
          id -> {
            if (id == 2) {
              Thread.yield();
              omega.close();
              return;
            }
            SplittableRandom random = new SplittableRandom(id);
            int misses = 0;
            while (misses < 64) {
              int i = random.nextInt(blocks.size());
              MemoryBlock b = blocks.get(i);
              try {
                if (b.getLong(0) != i + 1) {
                  wrong.incrementAndGet();
                }
                b.setLong(8, id);
              } catch (IllegalStateException e) {
                refused.incrementAndGet();
                misses++;
              }
            }
          });
    }
    assertEquals(0, wrong.get(), "a read racing close returned bytes that were not the block's");
    assertTrue(refused.get() > 0);
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void scalarReadsRacingFreeAndReuse_returnOnlyTheirBlocksValue(boolean direct) throws Exception {
    OmegaMemory omega = system(direct, 16 * MIB, false);
    MemoryManager m = omega.memoryManager();
    int rounds = SuiteTally.scale(200_000, 2_000_000);
    // Each published handle pairs with the value its block held when it was published.
    record Published(MemoryBlock block, long value) {}
    java.util.concurrent.atomic.AtomicReference<Published> shared =
        new java.util.concurrent.atomic.AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong wrong = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    onThreads(
        3,
        id -> {
          if (id > 0) {
            long n = 0;
            while (!done.get()) {
              Published p = shared.get();
              if (p == null) {
                continue;
              }
              try {
                if (p.block().getLong(0) != p.value()
                    || p.block().getInt(8) != (int) p.value()
                    || p.block().getByte(12) != (byte) p.value()) {
                  wrong.incrementAndGet();
                }
                n++;
              } catch (UseAfterFreeException e) {
                refused.incrementAndGet();
              }
            }
            reads.addAndGet(n);
            return;
          }
          // The owner frees the published block and at once reallocates the same size (often
          // the same memory, once the limbo is retired) and writes another value into it.
          long value = 1;
          MemoryBlock b = m.allocate(48);
          b.setLong(0, value);
          b.setInt(8, (int) value);
          b.setByte(12, (byte) value);
          shared.set(new Published(b, value));
          for (int i = 0; i < rounds; i++) {
            MemoryBlock next = m.allocate(48);
            value++;
            m.deallocate(b);
            next.setLong(0, value);
            next.setInt(8, (int) value);
            next.setByte(12, (byte) value);
            shared.set(new Published(next, value));
            b = next;
          }
          done.set(true);
          m.deallocate(b);
        });
    assertEquals(0, wrong.get(), "a read returned a value its block never held, of " + reads);
    assertTrue(refused.get() > 0, "no read ever raced a free: the test tested nothing");
  }

  @Test
  void freeBlock_ofOnePoolBlockOnTwoThreadsAtOnce_returnsExactlyOnce() throws Exception {
    OmegaMemory omega = system(true, 64 * MIB, false);
    MemoryPool pool = omega.memoryPool();
    int rounds = SuiteTally.scale(2_000, 10_000);
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicLong returned = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    java.util.concurrent.atomic.AtomicReferenceArray<MemoryBlock> blocks =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(rounds);
    for (int i = 0; i < rounds; i++) {
      blocks.set(i, pool.allocateBlock(4096));
    }
    onThreads(
        2,
        id -> {
          for (int i = 0; i < rounds; i++) {
            try {
              barrier.await();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            try {
              pool.freeBlock(blocks.get(i));
              returned.incrementAndGet();
            } catch (DoubleFreeException e) {
              refused.incrementAndGet();
            }
          }
        });
    assertEquals(rounds, returned.get(), "frees that returned");
    assertEquals(rounds, refused.get(), "frees refused as double");
    assertEquals(0, pool.getPoolStatistics().liveBlocks());
  }

  @Test
  void deallocate_ofOneBlockOnTwoThreadsAtOnce_returnsExactlyOnce() throws Exception {
    OmegaMemory omega = system(true, 128 * MIB, false);
    MemoryManager m = omega.memoryManager();
    int rounds = SuiteTally.scale(5_000, 10_000);
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      blocks.add(m.allocate(i % 2 == 0 ? 48 : 20_000));
    }
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicLong returned = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    onThreads(
        2,
        id -> {
          for (MemoryBlock b : blocks) {
            try {
              barrier.await();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            try {
              m.deallocate(b);
              returned.incrementAndGet();
            } catch (DoubleFreeException e) {
              refused.incrementAndGet();
            }
          }
        });
    assertEquals(rounds, returned.get(), "frees that returned");
    assertEquals(rounds, refused.get(), "frees refused as double");
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void crossThreadHandoff_200Threads_isNeverRefused_andEveryByteComesBackWhenTheyEnd()
      throws Exception {
    OmegaMemory omega = system(true, 256 * MIB, false);
    MemoryManager m = omega.memoryManager();
    int threads = 200;
    int operations = SuiteTally.scale(1_500, 5_000);
    // About half the pool live: each thread keeps this many bytes of blocks of 8 B to 2 KiB.
    long keepBytes = 128 * MIB / threads;
    ConcurrentLinkedQueue<MemoryBlock> handoff = new ConcurrentLinkedQueue<>();
    AtomicLong wrong = new AtomicLong();
    onThreads(
        threads,
        id -> {
          SplittableRandom random = new SplittableRandom(id);
          List<MemoryBlock> mine = new ArrayList<>();
          long held = 0;
          for (int i = 0; i < operations; i++) {
            MemoryBlock b = m.allocate(8 + random.nextInt(2041));
            b.setLong(0, ((long) id << 32) | i);
            held += b.size();
            if (random.nextInt(4) == 0) {
              handoff.add(b);
            } else {
              mine.add(b);
            }
            while (held > keepBytes && !mine.isEmpty()) {
              MemoryBlock old = mine.remove(random.nextInt(mine.size()));
              if (old.getLong(0) >>> 32 != id) {
                wrong.incrementAndGet();
              }
              held -= old.size();
              m.deallocate(old);
            }
            MemoryBlock other = handoff.poll();
            if (other != null) {
              m.deallocate(other);
            }
          }
          mine.forEach(m::deallocate);
        });
    for (MemoryBlock b; (b = handoff.poll()) != null; ) {
      m.deallocate(b);
    }
    SuiteTally.OPERATIONS.add((long) threads * operations);
    SuiteTally.THREADS.accumulate(threads);
    assertEquals(0, wrong.get());
    assertEquals(0, m.getMemoryUsage(), "every byte came back once the threads ended");
    var stats = m.getStatistics();
    assertEquals(0, stats.liveBlocks());
    // Not only counted as free: the caches and limbos of the ended threads went back to the
    // slabs, and the emptied slabs to the pool, without any allocation having to fail first. A
    // class keeps at most one empty slab (64 KiB here).
    long kept = stats.sizeClasses().size() * (64L << 10);
    assertTrue(
        stats.freeBytes() >= stats.capacityBytes() - kept,
        "pages still held after every thread ended: "
            + (stats.capacityBytes() - stats.freeBytes())
            + " bytes, at most "
            + kept
            + " expected");
  }

  @Test
  void domain_underRacingAllocationsFreesAndClose_usesExactlyWhatItsLiveBlocksReserved()
      throws Exception {
    OmegaMemory omega = system(true, 64 * MIB, false);
    MemoryManager m = omega.memoryManager();
    int rounds = SuiteTally.scale(20, 200);
    AtomicLong violations = new AtomicLong();
    for (int round = 0; round < rounds; round++) {
      long quota = 64 * 1024;
      var domain =
          m.createDomain(
              dev.omega.mem.api.DomainConfig.unlimited("race-" + round).withMaxBytes(quota));
      ConcurrentLinkedQueue<MemoryBlock> shared = new ConcurrentLinkedQueue<>();
      int seed = round;
      onThreads(
          8,
          id -> {
            SplittableRandom random = new SplittableRandom(seed * 31L + id);
            for (int i = 0; i < 400; i++) {
              long used = domain.usedBytes();
              if (used < 0 || used > quota) {
                violations.incrementAndGet();
              }
              int action = random.nextInt(10);
              try {
                if (action < 6) {
                  // Small, page-run and odd sizes: their usable sizes differ from the request.
                  long size =
                      switch (random.nextInt(3)) {
                        case 0 -> 1 + random.nextInt(100);
                        case 1 -> 16_385 + random.nextInt(4_000);
                        default -> 1 + random.nextInt(3_000);
                      };
                  shared.add(domain.allocate(size));
                } else {
                  MemoryBlock b = shared.poll();
                  if (b != null) {
                    domain.deallocate(b); // two threads may race for one block: one throws
                  }
                }
              } catch (dev.omega.mem.api.QuotaExceededException | DoubleFreeException e) {
                // refused within the quota, or the other racer won
              } catch (IllegalStateException e) {
                // the domain closed under this thread (round's last phase)
              }
              if (id == 0 && i == 350 && random.nextBoolean()) {
                domain.close();
              }
            }
          });
      domain.close();
      if (domain.usedBytes() != 0 || domain.blockCount() != 0) {
        violations.incrementAndGet();
      }
    }
    assertEquals(0, violations.get(), "a domain's count left [0, quota] or did not end at 0");
    assertEquals(0, m.getMemoryUsage(), "a domain block outlived its domain's close");
  }
}
