package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PageRun.PageState;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OffHeapPoolTest {
  private final List<OffHeapPool> pools = new ArrayList<>();

  private OffHeapPool pool(long size, boolean compaction) {
    MemoryPoolConfig config =
        Fixtures.poolConfig(size).toBuilder()
            .enableCompaction(compaction)
            .maxFragmentationThreshold(0.1)
            .build();
    OffHeapPool pool = new OffHeapPool(config, Fixtures.FIRST_FIT);
    pool.initialize();
    pools.add(pool);
    return pool;
  }

  @AfterEach
  void invariantsHoldAndClose() {
    for (OffHeapPool pool : pools) {
      assertEquals(List.of(), pool.checkInvariants());
      pool.close();
    }
  }

  @Test
  void allocateBlock_roundsUpToWholePages() {
    OffHeapPool pool = pool(64 * 4096, false);
    MemoryBlock block = pool.allocateBlock(5000);
    assertEquals(5000, block.size());
    assertEquals(8192, ((Block) block).usableSize());
    assertThrows(IndexOutOfBoundsException.class, () -> block.getByte(5000));
    assertEquals(2, pool.getPoolStatistics().usedPages());
  }

  @Test
  void allocateBlock_beforeInitialize_throwsIllegalState() {
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(64 * 4096), Fixtures.FIRST_FIT);
    assertThrows(IllegalStateException.class, () -> pool.allocateBlock(10));
    assertTrue(pool.initialize());
    assertFalse(pool.initialize());
    pools.add(pool);
  }

  @Test
  void allocateBlock_badSizes_throwIllegalArgumentNamingTheLimit() {
    OffHeapPool pool = pool(64 * 4096, false);
    assertThrows(IllegalArgumentException.class, () -> pool.allocateBlock(0));
    assertThrows(IllegalArgumentException.class, () -> pool.allocateBlock(-1));
    var e = assertThrows(IllegalArgumentException.class, () -> pool.allocateBlock(64 * 4096 + 1));
    assertTrue(e.getMessage().contains("262144"), e.getMessage());
  }

  @Test
  void allocateBlock_whenFull_throwsOutOfMemoryWithFigures() {
    OffHeapPool pool = pool(16 * 4096, false);
    pool.allocateBlock(15 * 4096);
    OutOfMemoryException e =
        assertThrows(OutOfMemoryException.class, () -> pool.allocateBlock(2 * 4096));
    assertEquals(4096, e.freeBytes());
    assertEquals(4096, e.largestFreeRunBytes());
    assertEquals(1, pool.getPoolStatistics().failedAllocations());
  }

  @Test
  void freeBlock_twice_throwsDoubleFreeAndKeepsOthers() {
    OffHeapPool pool = pool(16 * 4096, false);
    MemoryBlock a = pool.allocateBlock(4096);
    MemoryBlock b = pool.allocateBlock(4096);
    b.setLong(0, 42);
    assertTrue(pool.freeBlock(a));
    assertThrows(DoubleFreeException.class, () -> pool.freeBlock(a));
    assertThrows(UseAfterFreeException.class, () -> a.getLong(0));
    assertEquals(42, b.getLong(0));
    assertEquals(1, pool.getPoolStatistics().liveBlocks());
  }

  @Test
  void freeBlock_ofAnotherPool_throwsAccessViolation() {
    OffHeapPool one = pool(16 * 4096, false);
    OffHeapPool two = pool(16 * 4096, false);
    MemoryBlock block = one.allocateBlock(100);
    assertThrows(AccessViolationException.class, () -> two.freeBlock(block));
    assertTrue(block.isValid());
    one.freeBlock(block);
  }

  @Test
  void compact_movesRunsDown_keepsContents_andDropsFragmentation() {
    OffHeapPool pool = pool(32 * 4096, false);
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      MemoryBlock block = pool.allocateBlock(2 * 4096);
      block.fill((byte) i);
      blocks.add(block);
    }
    for (int i = 0; i < 16; i += 2) {
      pool.freeBlock(blocks.get(i));
    }
    double before = pool.getFragmentationRatio();
    assertTrue(before > 0.8, "fragmented: " + before);
    assertTrue(pool.compact());
    assertEquals(0.0, pool.getFragmentationRatio());
    for (int i = 1; i < 16; i += 2) {
      byte[] expected = new byte[2 * 4096];
      java.util.Arrays.fill(expected, (byte) i);
      assertArrayEquals(expected, blocks.get(i).toByteArray(), "block " + i + " after compaction");
    }
    assertEquals(16, pool.getPoolStatistics().largestFreeRunPages());
    assertFalse(pool.compact(), "nothing left to move");
  }

  @Test
  void compact_thatMoves_tellsTheObserverItStartsThenWhatItMoved_onOneThread() {
    OffHeapPool pool = pool(32 * 4096, false);
    List<String> heard = new ArrayList<>();
    pool.observeCompactions(
        new OffHeapPool.CompactionObserver() {
          @Override
          public void starting() {
            heard.add("starting on " + Thread.currentThread().getName());
          }

          @Override
          public void compacted(long bytesMoved, long nanos) {
            heard.add("moved " + bytesMoved + " on " + Thread.currentThread().getName());
          }
        });
    assertFalse(pool.compact(), "an empty pool has nothing to move");
    MemoryBlock first = pool.allocateBlock(4096);
    pool.allocateBlock(4096);
    pool.freeBlock(first);

    assertTrue(pool.compact());

    String thread = Thread.currentThread().getName();
    assertEquals(List.of("starting on " + thread, "moved 4096 on " + thread), heard);
  }

  @Test
  void allocateBlock_failingForFragmentation_compactsByItself() {
    OffHeapPool pool = pool(16 * 4096, true);
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      blocks.add(pool.allocateBlock(4096));
    }
    for (int i = 0; i < 16; i += 2) {
      pool.freeBlock(blocks.get(i));
    }
    blocks.get(1).setInt(0, 7);
    MemoryBlock big = pool.allocateBlock(8 * 4096);
    assertEquals(8 * 4096, big.size());
    assertEquals(7, blocks.get(1).getInt(0));
    assertEquals(1, pool.getPoolStatistics().compactions());
  }

  @Test
  void pageRuns_coverThePoolInAddressOrder() {
    OffHeapPool pool = pool(16 * 4096, false);
    pool.allocateBlock(3 * 4096);
    var runs = pool.pageRuns();
    assertEquals(PageState.RUN, runs.get(0).state());
    assertEquals(3, runs.get(0).pages());
    assertEquals(PageState.FREE, runs.get(1).state());
    assertEquals(13, runs.get(1).pages());
  }

  @Test
  void close_invalidatesBlocks() {
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(16 * 4096), Fixtures.FIRST_FIT);
    pool.initialize();
    MemoryBlock block = pool.allocateBlock(10);
    pool.close();
    pool.close();
    assertFalse(block.isValid());
    assertThrows(IllegalStateException.class, () -> block.getByte(0));
    assertThrows(IllegalStateException.class, () -> pool.allocateBlock(10));
  }
}
