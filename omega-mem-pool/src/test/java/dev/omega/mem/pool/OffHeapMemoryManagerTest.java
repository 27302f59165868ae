package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.RateLimitedException;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OffHeapMemoryManagerTest {
  private static final long MIB = 1 << 20;
  private final List<OffHeapMemoryManager> managers = new ArrayList<>();

  private OffHeapMemoryManager track(OffHeapMemoryManager manager) {
    managers.add(manager);
    return manager;
  }

  @AfterEach
  void invariantsHold() {
    for (OffHeapMemoryManager manager : managers) {
      assertEquals(List.of(), manager.verifyIntegrity());
      manager.close();
    }
  }

  /** Blocks with a known pattern, to prove a bad operation changed no other block. */
  private static List<MemoryBlock> patterned(OffHeapMemoryManager m, int count) {
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      MemoryBlock b = m.allocate(8 + (i * 37) % 3000);
      for (long off = 0; off + 8 <= b.size(); off += 8) {
        b.setLong(off, i * 1_000_003L + off);
      }
      blocks.add(b);
    }
    return blocks;
  }

  private static void assertIntact(List<MemoryBlock> blocks) {
    for (int i = 0; i < blocks.size(); i++) {
      MemoryBlock b = blocks.get(i);
      for (long off = 0; off + 8 <= b.size(); off += 8) {
        assertEquals(i * 1_000_003L + off, b.getLong(off), "block " + i + " offset " + off);
      }
    }
  }

  @Test
  void allocate_smallSize_roundsToSizeClassAndRoundTripsData() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    MemoryBlock b = m.allocate(60);
    assertEquals(60, b.size(), "the size is what was asked for");
    assertEquals(64, ((Block) b).usableSize(), "served from the 64-byte class");
    b.setInt(0, 0xCAFEBABE);
    b.setLong(52, Long.MIN_VALUE);
    b.setByte(4, (byte) -1);
    assertEquals(0xCAFEBABE, b.getInt(0));
    assertEquals(Long.MIN_VALUE, b.getLong(52));
    assertEquals(-1, b.getByte(4));
    assertThrows(IndexOutOfBoundsException.class, () -> b.setByte(60, (byte) 1));
    assertThrows(IndexOutOfBoundsException.class, () -> b.getLong(53));
    assertThrows(IndexOutOfBoundsException.class, () -> b.fill(1, 60, (byte) 0));
    assertTrue(m.deallocate(b));
  }

  @Test
  void allocate_largeSize_getsWholePages() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    assertEquals(10_240, m.usableSize(10_000), "up to 16 KiB sizes come from slabs");
    MemoryBlock b = m.allocate(20_000);
    assertEquals(20_000, b.size());
    assertEquals(20_480, ((Block) b).usableSize());
    assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(20_000));
    m.deallocate(b);
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void badAccesses_throwTheirExceptions_andLeaveEveryOtherBlockIntact() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    OffHeapMemoryManager other = track(Fixtures.manager(4 * MIB));
    List<MemoryBlock> blocks = patterned(m, 200);
    MemoryBlock victim = m.allocate(64);
    m.deallocate(victim);
    List<Consumer<MemoryBlock>> bad =
        List.of(
            b -> assertThrows(UseAfterFreeException.class, () -> victim.getLong(0)),
            b -> assertThrows(UseAfterFreeException.class, () -> victim.setLong(0, 1)),
            b -> assertThrows(DoubleFreeException.class, () -> m.deallocate(victim)),
            b -> assertThrows(IndexOutOfBoundsException.class, () -> b.setLong(b.size() - 7, 1)),
            b -> assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(-1)),
            b -> assertThrows(IndexOutOfBoundsException.class, () -> b.fill(1, b.size(), (byte) 9)),
            b ->
                assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> b.copyFrom(new byte[10], 0, b.size() - 5, 10)),
            b -> assertThrows(AccessViolationException.class, () -> other.deallocate(b)),
            b -> assertThrows(NullPointerException.class, () -> m.deallocate(null)));
    for (Consumer<MemoryBlock> action : bad) {
      action.accept(blocks.get(7));
      assertIntact(blocks);
    }
    MemoryBlock sealed = blocks.get(3);
    sealed.seal();
    assertThrows(AccessViolationException.class, () -> sealed.setLong(0, 5));
    assertThrows(AccessViolationException.class, () -> sealed.fill((byte) 0));
    assertIntact(blocks);
    for (MemoryBlock b : blocks) {
      m.deallocate(b);
    }
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void allocate_badSizes_throwIllegalArgumentNamingTheLimit() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    assertThrows(IllegalArgumentException.class, () -> m.allocate(0));
    assertThrows(IllegalArgumentException.class, () -> m.allocate(-5));
    var e = assertThrows(IllegalArgumentException.class, () -> m.allocate(5 * MIB));
    assertTrue(e.getMessage().contains("pool_size"), e.getMessage());
    assertThrows(NullPointerException.class, () -> m.allocate(8, null));
  }

  @Test
  void allocate_whenPoolExhausted_runsCollectorThenRetries() {
    List<MemoryBlock> held = new ArrayList<>();
    AtomicInteger collections = new AtomicInteger();
    BooleanSupplier collector = mock(BooleanSupplier.class);
    OffHeapMemoryManager m =
        track(Fixtures.manager(1 * MIB, MemoryManagerConfig.defaults(), collector));
    doAnswer(
            inv -> {
              collections.incrementAndGet();
              for (MemoryBlock b : held) {
                m.deallocate(b);
              }
              held.clear();
              return true;
            })
        .when(collector)
        .getAsBoolean();
    int served = 0;
    while (collections.get() == 0) {
      held.add(m.allocate(64 * 1024, Priority.LOW));
      served++;
      assertTrue(served < 100, "the pool never ran out");
    }
    verify(collector, times(1)).getAsBoolean();
    assertEquals(1, held.size(), "the request that ran the collector was served by the retry");
    assertEquals(64 * 1024, m.getMemoryUsage());
    m.deallocate(held.get(0));
  }

  @Test
  void allocate_whenCollectorFreesNothing_throwsOutOfMemoryWithDiagnosis() {
    BooleanSupplier collector = mock(BooleanSupplier.class);
    OffHeapMemoryManager m =
        track(Fixtures.manager(1 * MIB, MemoryManagerConfig.defaults(), collector));
    List<MemoryBlock> held = new ArrayList<>();
    OutOfMemoryException e = null;
    while (e == null) {
      try {
        held.add(m.allocate(100_000, Priority.CRITICAL));
      } catch (OutOfMemoryException oom) {
        e = oom;
      }
    }
    assertEquals(100_000, e.requestedBytes());
    assertEquals(Priority.CRITICAL, e.priority());
    assertTrue(e.getMessage().contains("free"), e.getMessage());
    assertEquals(1, m.getStatistics().failures().get(AllocationFailure.OUT_OF_MEMORY));
    verify(collector, times(1)).getAsBoolean();
    for (MemoryBlock b : held) {
      m.deallocate(b);
    }
  }

  @Test
  void allocate_whenOnlyReserveLeft_refusesLowButServesCritical() {
    MemoryManagerConfig config =
        MemoryManagerConfig.builder().criticalReserveFraction(0.25).build();
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB, config, () -> false));
    List<MemoryBlock> held = new ArrayList<>();
    OutOfMemoryException refused = null;
    while (refused == null) {
      try {
        held.add(m.allocate(16 * 1024, Priority.LOW));
      } catch (OutOfMemoryException e) {
        refused = e;
      }
    }
    assertTrue(refused.getMessage().contains("CRITICAL reserve"), refused.getMessage());
    assertTrue(refused.freeBytes() >= MIB / 4 - 4096, "reserve kept: " + refused.freeBytes());
    MemoryBlock critical = m.allocate(16 * 1024, Priority.CRITICAL);
    critical.fill((byte) 1);
    assertEquals(1, m.getStatistics().failures().get(AllocationFailure.RESERVE_PROTECTED));
    m.deallocate(critical);
    for (MemoryBlock b : held) {
      m.deallocate(b);
    }
    MemoryBlock again = m.allocate(16 * 1024, Priority.LOW);
    m.deallocate(again);
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void allocate_beyondPool_usesFallbackWithinItsLimit() {
    MemoryManagerConfig config =
        MemoryManagerConfig.builder().fallbackEnabled(true).fallbackLimit(3 * MIB).build();
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB, config, () -> false));
    MemoryBlock big = m.allocate(2 * MIB);
    big.setLong(2 * MIB - 8, 99);
    assertEquals(99, big.getLong(2 * MIB - 8));
    assertEquals(2 * MIB, m.getStatistics().fallbackBytes());
    assertThrows(OutOfMemoryException.class, () -> m.allocate(2 * MIB));
    assertThrows(IllegalArgumentException.class, () -> m.allocate(4 * MIB));
    m.deallocate(big);
    assertEquals(0, m.getStatistics().fallbackBytes());
    assertFalse(big.isValid());
  }

  @Test
  void close_releasesFallbackSegmentsStillInUse_likeThePoolsPages() {
    MemoryManagerConfig config =
        MemoryManagerConfig.builder().fallbackEnabled(true).fallbackLimit(3 * MIB).build();
    OffHeapMemoryManager m = Fixtures.manager(1 * MIB, config, () -> false);
    MemoryBlock big = m.allocate(2 * MIB);
    MemoryBlock small = m.allocate(64);
    big.setLong(0, 1);
    m.close();
    assertFalse(big.isValid());
    assertFalse(small.isValid());
    assertThrows(IllegalStateException.class, () -> big.getLong(0));
    assertThrows(IllegalStateException.class, () -> small.getLong(0));
  }

  @Test
  void pressureListeners_hearLevelsCrossedUpAndDown() {
    MemoryManagerConfig config =
        MemoryManagerConfig.builder()
            .pressureLevels(List.of(0.5, 0.75))
            .criticalReserveFraction(0)
            .build();
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB, config, () -> false));
    List<String> heard = new CopyOnWriteArrayList<>();
    m.addPressureListener((level, usage, rising) -> heard.add(level + (rising ? "up" : "down")));
    List<MemoryBlock> held = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      held.add(m.allocate(64 * 1024));
    }
    assertEquals(List.of("0.5up", "0.75up"), heard);
    for (MemoryBlock b : held) {
      m.deallocate(b);
    }
    assertEquals(List.of("0.5up", "0.75up", "0.75down", "0.5down"), heard);
  }

  @Test
  void leakDetection_full_findsEveryPlantedLeakAndNoLiveBlock() throws InterruptedException {
    MemoryManagerConfig config =
        MemoryManagerConfig.builder().leakDetection(LeakDetectionLevel.FULL).build();
    OffHeapMemoryManager m = track(Fixtures.manager(8 * MIB, config, () -> false));
    List<MemoryBlock> live = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      live.add(m.allocate(48));
    }
    int planted = 50;
    plantLeaks(m, planted);
    List<LeakReport> found = new ArrayList<>();
    for (int i = 0; i < 100 && found.size() < planted; i++) {
      System.gc();
      Thread.sleep(20);
      found.addAll(m.detectLeaks());
    }
    assertEquals(planted, found.size(), "planted leaks found");
    assertTrue(
        found.stream().allMatch(r -> r.allocationSite().contains("plantLeaks")),
        found.get(0).allocationSite());
    assertTrue(found.stream().allMatch(LeakReport::reclaimed));
    for (MemoryBlock b : live) {
      assertTrue(b.isValid());
      m.deallocate(b);
    }
    assertEquals(0, m.getMemoryUsage(), "leaked blocks were reclaimed");
  }

  private static void plantLeaks(OffHeapMemoryManager m, int count) {
    for (int i = 0; i < count; i++) {
      m.allocate(100 + i).setInt(0, i);
    }
  }

  @Test
  void domain_quotas_rateLimit_andOwnershipAreEnforced() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    MemoryDomain a =
        m.createDomain(
            DomainConfig.unlimited("contract-a").withMaxBytes(1024).withMaxAllocationSize(512));
    MemoryDomain b = m.createDomain(DomainConfig.unlimited("contract-b").withMaxBlocks(2));
    MemoryDomain c =
        m.createDomain(DomainConfig.unlimited("contract-c").withMaxAllocationsPerSecond(3));
    assertThrows(
        IllegalArgumentException.class, () -> m.createDomain(DomainConfig.unlimited("contract-a")));

    MemoryBlock a1 = a.allocate(512);
    MemoryBlock a2 = a.allocate(512);
    var quota = assertThrows(QuotaExceededException.class, () -> a.allocate(16));
    assertEquals("contract-a", quota.domain());
    assertThrows(QuotaExceededException.class, () -> a.allocate(513));
    assertEquals(1024, a.usedBytes());

    b.allocate(10);
    MemoryBlock b2 = b.allocate(10);
    assertThrows(QuotaExceededException.class, () -> b.allocate(10));

    for (int i = 0; i < 3; i++) {
      c.allocate(8);
    }
    assertThrows(RateLimitedException.class, () -> c.allocate(8));

    assertThrows(AccessViolationException.class, () -> b.deallocate(a1));
    assertThrows(AccessViolationException.class, () -> m.deallocate(a1));
    assertTrue(a1.isValid());
    assertTrue(a.owns(a1));
    assertFalse(b.owns(a1));

    a.deallocate(a1);
    a.allocate(256);
    assertTrue(b2.isValid());
    a2.setInt(0, 5);
    MemoryBlock plain = m.allocate(64);
    a.close();
    b.close();
    c.close();
    assertFalse(a2.isValid());
    assertTrue(plain.isValid());
    m.deallocate(plain);
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void statistics_trackRequestedAllocatedAndCacheHits() {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      blocks.add(m.allocate(100));
    }
    MemoryStatistics s = m.getStatistics();
    assertEquals(100 * 100, s.requestedBytes());
    assertEquals(100 * 112, s.allocatedBytes());
    assertEquals(100, s.liveBlocks());
    assertEquals(100, liveIn(s, 112), "exactly the blocks handed out, not those cached");
    for (MemoryBlock b : blocks) {
      m.deallocate(b);
    }
    for (int i = 0; i < 10; i++) {
      m.deallocate(m.allocate(100));
    }
    s = m.getStatistics();
    assertEquals(0, s.allocatedBytes());
    assertEquals(0, s.requestedBytes());
    assertEquals(0, liveIn(s, 112), "freed blocks parked in the thread cache are not live");
    assertEquals(110, s.allocations());
    assertTrue(s.threadCacheHitRate() > 0.5, "hit rate " + s.threadCacheHitRate());
    assertTrue(s.peakBytes() >= 100 * 112);
  }

  /**
   * Hits are derived (allocations less misses less large ones) rather than counted on the hot path,
   * so large and small allocations are mixed here, across a thread that dies.
   */
  @Test
  void statistics_hitsAndMisses_countSmallAllocationsOnly_andBytesFollowLargeBlocks()
      throws Exception {
    OffHeapMemoryManager m = track(Fixtures.manager(16 * MIB));
    List<MemoryBlock> large = new ArrayList<>();
    Runnable work =
        () -> {
          for (int i = 0; i < 50; i++) {
            m.deallocate(m.allocate(64));
            large.add(m.allocate(100_000));
          }
        };
    Thread other = new Thread(work);
    other.start();
    other.join();
    for (int i = 0; i < 30; i++) {
      m.deallocate(m.allocate(64));
    }
    MemoryStatistics s = m.getStatistics();
    assertEquals(130, s.allocations());
    assertEquals(80, s.threadCacheHits() + s.threadCacheMisses(), "only the small ones count");
    assertTrue(s.threadCacheMisses() >= 2 && s.threadCacheHits() >= 70, s.toString());
    assertEquals(50, s.liveBlocks());
    long each = m.getMemoryUsage() / 50;
    assertTrue(each >= 100_000 && each < 100_000 + 4096, "a page run per large block: " + each);
    assertEquals(m.getMemoryUsage(), s.allocatedBytes());
    assertEquals(List.of(), m.verifyIntegrity(), "usage agrees with what the slabs account for");
    large.forEach(m::deallocate);
    assertEquals(0, m.getMemoryUsage());
    assertEquals(0, m.getStatistics().requestedBytes());
  }

  @Test
  void statistics_blocksLeftInADeadThreadsCache_areNotLive() throws Exception {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    Thread worker =
        Thread.ofPlatform()
            .start(
                () -> {
                  List<MemoryBlock> mine = new ArrayList<>();
                  for (int i = 0; i < 50; i++) {
                    mine.add(m.allocate(40));
                  }
                  mine.forEach(m::deallocate);
                });
    worker.join();
    MemoryStatistics s = m.getStatistics();
    assertEquals(0, s.liveBlocks());
    assertEquals(0, liveIn(s, 48));
  }

  /**
   * Runs {@code body} on {@code n} threads with ids 0..n-1; rethrows what the first failure threw.
   */
  private static void runThreads(int n, java.util.function.IntConsumer body)
      throws InterruptedException {
    List<Thread> all = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (int t = 0; t < n; t++) {
      int id = t;
      all.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      body.accept(id);
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread t : all) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("a worker thread failed", failure.get());
    }
  }

  private static long liveIn(MemoryStatistics s, int blockSize) {
    return s.sizeClasses().stream()
        .filter(c -> c.blockSize() == blockSize)
        .mapToLong(c -> c.liveBlocks())
        .sum();
  }

  @Test
  void allocationListener_getsSampledTimingsAndEveryFailure() {
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB));
    AtomicInteger allocations = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    m.addAllocationListener(
        new AllocationListener() {
          @Override
          public void onAllocation(long size, long nanos) {
            allocations.incrementAndGet();
          }

          @Override
          public void onFailure(long size, Priority priority, AllocationFailure cause) {
            failures.incrementAndGet();
          }
        });
    for (int i = 0; i < AllocationListener.SAMPLING_INTERVAL * 10; i++) {
      m.deallocate(m.allocate(32));
    }
    // One in SAMPLING_INTERVAL, never a thread's first (cold) call.
    assertEquals(10, allocations.get());
    assertThrows(OutOfMemoryException.class, () -> m.allocate(1 * MIB, Priority.LOW));
    assertEquals(1, failures.get());
  }

  @Test
  void deallocate_ofSampledBlock_isReportedWithTheSameBlockWhicheverCallFreesIt() {
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB));
    List<MemoryBlock> sampled = new CopyOnWriteArrayList<>();
    List<MemoryBlock> freed = new CopyOnWriteArrayList<>();
    m.addAllocationListener(
        new AllocationListener() {
          @Override
          public void onAllocation(MemoryBlock block, long size, long nanos) {
            sampled.add(block);
          }

          @Override
          public void onSampledFree(MemoryBlock block, long size) {
            assertEquals(block.size(), size);
            freed.add(block);
          }
        });
    List<MemoryBlock> kept = new ArrayList<>();
    for (int i = 0; i < AllocationListener.SAMPLING_INTERVAL * 4; i++) {
      kept.add(m.allocate(48));
    }
    assertEquals(4, sampled.size());
    assertEquals(List.of(), freed);
    // Frees in reverse order: the timed frees are other blocks, yet each sampled block is reported.
    kept.reversed().forEach(m::deallocate);
    assertEquals(Set.copyOf(sampled), Set.copyOf(freed));
    assertEquals(4, freed.size());
  }

  @Test
  void threadCachesOff_stillServesAndAccountsExactly() {
    MemoryManagerConfig config = MemoryManagerConfig.builder().threadCacheBlocks(0).build();
    OffHeapMemoryManager m = track(Fixtures.manager(1 * MIB, config, () -> false));
    List<MemoryBlock> blocks = patterned(m, 50);
    assertIntact(blocks);
    blocks.forEach(m::deallocate);
    assertEquals(0, m.getMemoryUsage());
  }

  @Test
  void manyThreads_allocateWriteVerifyAndFreeAcrossThreads() throws Exception {
    OffHeapMemoryManager m = track(Fixtures.manager(64 * MIB));
    int threads = 128;
    java.util.concurrent.ConcurrentLinkedQueue<MemoryBlock> handoff =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    AtomicInteger corrupt = new AtomicInteger();
    runThreads(
        threads,
        id -> {
          java.util.Random random = new java.util.Random(id);
          for (int i = 0; i < 500; i++) {
            MemoryBlock b = m.allocate(9 + random.nextInt(random.nextInt(10) == 0 ? 20_000 : 1024));
            long tag = ((long) id << 32) | i;
            b.setLong(0, tag);
            b.setByte(b.size() - 1, (byte) id);
            if (b.getLong(0) != tag || b.getByte(b.size() - 1) != (byte) id) {
              corrupt.incrementAndGet();
            }
            if (i % 3 == 0) {
              handoff.add(b);
            } else {
              m.deallocate(b);
            }
            MemoryBlock foreign = handoff.poll();
            if (foreign != null) {
              m.deallocate(foreign);
            }
          }
        });
    for (MemoryBlock b; (b = handoff.poll()) != null; ) {
      m.deallocate(b);
    }
    assertEquals(0, corrupt.get());
    assertEquals(0, m.getMemoryUsage());
    assertEquals(0, m.getStatistics().liveBlocks());
  }

  @Test
  void threadWhoseCacheSlotIsHeld_getsItsOwnCache() throws Exception {
    OffHeapMemoryManager m = track(Fixtures.manager(4 * MIB));
    ThreadCache mine = m.cache();
    assertEquals(Thread.currentThread().threadId(), mine.ownerId);
    // Thread ids are handed out in order at construction: build threads until one's id falls in
    // this thread's slot (ids 256 apart), then ask for its cache while this thread is alive.
    java.util.concurrent.atomic.AtomicReference<ThreadCache> theirs =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread colliding = Thread.ofPlatform().unstarted(() -> theirs.set(m.cache()));
    while (((colliding.threadId() - mine.ownerId) & 255) != 0) {
      colliding = Thread.ofPlatform().unstarted(() -> theirs.set(m.cache()));
    }
    colliding.start();
    colliding.join();
    assertEquals(colliding.threadId(), theirs.get().ownerId);
    assertTrue(theirs.get() != mine);
    assertTrue(m.cache() == mine);
  }

  @Test
  void moreLiveThreadsThanCacheSlots_eachKeepsItsOwnCacheAndAccountingIsExact() throws Exception {
    // 600 threads alive at once share 256 cache slots, so at least 344 find their slot held by
    // another live thread and use the thread-local fallback; a second wave reuses dead threads'
    // slots. Every thread's blocks must stay its own and the counts must return to zero.
    OffHeapMemoryManager m = track(Fixtures.manager(64 * MIB));
    for (int wave = 0; wave < 2; wave++) {
      int threads = 600;
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(threads);
      AtomicInteger corrupt = new AtomicInteger();
      runThreads(
          threads,
          id -> {
            List<MemoryBlock> mine = new ArrayList<>();
            try {
              for (int round = 0; round < 3; round++) {
                together.await();
                for (int i = 0; i < 20; i++) {
                  MemoryBlock b = m.allocate(16 + (i * 24) % 200);
                  b.setLong(0, (long) id << 32 | i);
                  mine.add(b);
                }
                for (int i = 0; i < mine.size(); i++) {
                  if (mine.get(i).getLong(0) != ((long) id << 32 | i % 20)) {
                    corrupt.incrementAndGet();
                  }
                }
                mine.forEach(m::deallocate);
                mine.clear();
              }
            } catch (Exception e) {
              corrupt.incrementAndGet();
            }
          });
      assertEquals(0, corrupt.get(), "wave " + wave);
      assertEquals(0, m.getMemoryUsage());
      MemoryStatistics stats = m.getStatistics();
      assertEquals(0, stats.liveBlocks());
      assertEquals((wave + 1) * 600L * 3 * 20, stats.allocations());
    }
    assertEquals(List.of(), m.verifyIntegrity());
  }

  @Test
  void close_invalidatesBlocksAndRefusesWork() {
    OffHeapMemoryManager m = Fixtures.manager(1 * MIB);
    MemoryBlock b = m.allocate(10);
    m.close();
    m.close();
    assertFalse(b.isValid());
    assertThrows(IllegalStateException.class, () -> m.allocate(10));
  }

  @Test
  void runGarbageCollector_callsTheWiredCollector() {
    BooleanSupplier collector = mock(BooleanSupplier.class);
    OffHeapMemoryManager m =
        track(Fixtures.manager(1 * MIB, MemoryManagerConfig.defaults(), collector));
    verify(collector, never()).getAsBoolean();
    assertFalse(m.runGarbageCollector());
    verify(collector, times(1)).getAsBoolean();
  }
}
