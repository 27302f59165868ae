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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stress and recovery: exhaustion at each priority, fragmentation storms then compaction while
 * threads allocate and free, collections under allocation pressure, and a domain at its quota and
 * rate limit beside domains that must not notice. After each, the system serves requests again and
 * every surviving block holds its pattern: the data tests read back every byte or word they wrote,
 * record the comparisons in {@link SuiteTally}, and fail on any that differ.
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

  /**
   * The bytes block {@code id} holds: random from a seed of the id, none of them zero, so a block
   * wiped to zero, swapped with another or shifted by a byte cannot match.
   */
  private static byte[] pattern(long id, int size) {
    byte[] bytes = new byte[size];
    new SplittableRandom(id).nextBytes(bytes);
    for (int i = 0; i < size; i++) {
      if (bytes[i] == 0) {
        bytes[i] = 1;
      }
    }
    return bytes;
  }

  /** Writes {@code pattern(id, b.size())} into every byte of {@code b}. */
  private static void writePattern(MemoryBlock b, long id) {
    byte[] bytes = pattern(id, (int) b.size());
    b.copyFrom(bytes, 0, 0, bytes.length);
  }

  /**
   * Reads every byte of {@code b} back, counts them in {@code checked}, and returns those that
   * differ from {@code pattern(id, …)}.
   */
  private static long differingBytes(MemoryBlock b, long id, LongAdder checked) {
    byte[] expected = pattern(id, (int) b.size());
    byte[] actual = new byte[expected.length];
    b.copyTo(0, actual, 0, actual.length);
    long differ = 0;
    for (int i = 0; i < expected.length; i++) {
      if (actual[i] != expected[i]) {
        differ++;
      }
    }
    checked.add(expected.length);
    return differ;
  }

  /** A block the storm keeps, with the id its pattern was written from. */
  private record Kept(long id, MemoryBlock block) {}

  @Test
  void fragmentationStorm_thenCompactionUnderLoad_keepsEveryBlocksContents() throws Exception {
    OmegaMemory omega = system(32 << 20, "mark-sweep");
    MemoryManager m = omega.memoryManager();
    SplittableRandom random = new SplittableRandom(5);
    LongAdder checked = new LongAdder();
    LongAdder lost = new LongAdder();
    List<Kept> kept = new ArrayList<>();
    for (int round = 0; round < SuiteTally.scale(2_000, 20_000); round++) {
      MemoryBlock b = m.allocate(20_000 + random.nextInt(40_000));
      if (round % 3 == 0) {
        writePattern(b, round);
        kept.add(new Kept(round, b));
      } else {
        m.deallocate(b);
      }
      if (kept.size() > 150) {
        Kept gone = kept.remove(random.nextInt(kept.size()));
        lost.add(differingBytes(gone.block(), gone.id(), checked));
        m.deallocate(gone.block());
      }
    }
    double before = omega.memoryPool().getFragmentationRatio();
    assertTrue(before > 0, "the storm left the free space in pieces: " + before);
    int threads = 16;
    int blocksPerThread = 64;
    CountDownLatch written = new CountDownLatch(threads);
    CountDownLatch churning = new CountDownLatch(threads);
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
                    List<MemoryBlock> mine = new ArrayList<>();
                    try {
                      // Small blocks, in slabs that compaction may move, each with a pattern of
                      // its own (ids above the storm's rounds).
                      for (int i = 0; i < blocksPerThread; i++) {
                        MemoryBlock b = m.allocate(16 + r.nextInt(2000));
                        writePattern(b, (seed + 1) << 40 | i);
                        mine.add(b);
                      }
                      written.countDown();
                      // The load while compact() runs: allocations and frees, which the manager
                      // serialises with compaction. No block is read or written meanwhile: the
                      // pool copies bytes that a concurrent access could change or miss, so
                      // accesses need a quiet point, as OffHeapPool's design note says.
                      m.deallocate(m.allocate(16 + r.nextInt(2000)));
                      churning.countDown();
                      while (!stop.get()) {
                        m.deallocate(m.allocate(16 + r.nextInt(2000)));
                        operations.addAndGet(2);
                      }
                      for (int i = 0; i < mine.size(); i++) {
                        lost.add(differingBytes(mine.get(i), (seed + 1) << 40 | i, checked));
                        m.deallocate(mine.get(i));
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    } finally {
                      // A worker that failed early must not keep the test waiting; the test fails
                      // on its exception, and after a normal run the latches are already open.
                      written.countDown();
                      churning.countDown();
                    }
                  }));
    }
    boolean moved;
    try {
      assertTrue(written.await(1, TimeUnit.MINUTES), "the workers wrote their blocks");
      assertTrue(churning.await(1, TimeUnit.MINUTES), "the workers allocate and free");
      moved = omega.memoryPool().compact();
    } finally {
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(moved, "compaction of a fragmented pool moved runs");
    assertTrue(
        omega.memoryPool().getFragmentationRatio() <= before,
        "compaction did not make fragmentation worse");
    for (Kept k : kept) {
      lost.add(differingBytes(k.block(), k.id(), checked));
      m.deallocate(k.block());
    }
    assertEquals(
        0,
        SuiteTally.compared(checked.sum(), lost.sum()),
        "bytes that differ from what was written, of " + checked.sum() + " compared");
    SuiteTally.OPERATIONS.add(operations.get());
    SuiteTally.THREADS.accumulate(threads);
  }

  /**
   * The word {@code k} of the object numbered {@code i} of thread {@code seed}: distinct for every
   * triple and never zero (a bijective mix of a non-zero number), so a wiped, swapped or stale
   * object cannot match.
   */
  private static long word(long seed, long i, int k) {
    long x = ((seed + 1) << 40) ^ ((i + 2) << 3) ^ k;
    x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
    x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
    return x ^ (x >>> 31);
  }

  private static final int YOUNG_WORDS = 4;

  /**
   * Words of {@code young} (object {@code i} of thread {@code seed}) that differ; all if it is
   * gone.
   */
  private static long differingWords(HeapObject young, long seed, long i) {
    if (young == null) {
      return YOUNG_WORDS;
    }
    long differ = 0;
    for (int k = 0; k < YOUNG_WORDS; k++) {
      if (young.data().getLong(8L * k) != word(seed, i, k)) {
        differ++;
      }
    }
    return differ;
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
    LongAdder checked = new LongAdder();
    LongAdder lost = new LongAdder();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (HeapScope scope = heap.openScope()) {
                      HeapObject keep = heap.allocate(1, 8);
                      keep.data().setLong(0, word(seed, -1, 0));
                      long held = -1; // the number of the young object keep's slot points to
                      for (int i = 0; i < SuiteTally.scale(20_000, 200_000); i++) {
                        // Each young object in a scope of its own, so it is garbage once
                        // the scope closes unless `keep` holds it. In the thread's outer scope
                        // all of them stayed rooted: at the stress scale, 3.2 million roots
                        // for every young collection to visit, and more than the pool holds.
                        try (HeapScope step = heap.openScope()) {
                          HeapObject young = heap.allocate(1, 8 * YOUNG_WORDS);
                          for (int k = 0; k < YOUNG_WORDS; k++) {
                            young.data().setLong(8L * k, word(seed, i, k));
                          }
                          if (i % 100 == 0) {
                            // The object keep held until now lived through the collections
                            // since, reachable only from keep: read it before letting it go.
                            if (held >= 0) {
                              lost.add(differingWords(heap.getReference(keep, 0), seed, held));
                              checked.add(YOUNG_WORDS);
                            }
                            heap.setReference(keep, 0, young);
                            held = i;
                          }
                        }
                        operations.incrementAndGet();
                      }
                      lost.add(differingWords(heap.getReference(keep, 0), seed, held));
                      lost.add(keep.data().getLong(0) != word(seed, -1, 0) ? 1 : 0);
                      checked.add(YOUNG_WORDS + 1);
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
    assertEquals(
        0,
        SuiteTally.compared(checked.sum(), lost.sum()),
        "words that differ from what was written, of " + checked.sum() + " compared");
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
