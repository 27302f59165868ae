package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.spi.ManagerContext;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pool's memory and its two modes (PoolMemory's note): direct memory's pages go back at release
 * and its mapping when unreachable; blocks behave the same on direct and checked memory, and a
 * closed pool's blocks are refused in both, even by threads racing the close.
 */
class PoolMemoryTest {
  private static final long MiB = 1 << 20;

  private static boolean onLinux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
  }

  @Test
  void directMemory_isAvailable_whenNativeAccessIsEnabledOnLinux() {
    assumeTrue(onLinux(), "direct memory is Linux-only");
    // The build runs tests with --enable-native-access; without direct memory here the direct
    // cases below would quietly test checked memory twice.
    assertTrue(PoolMemory.class.getModule().isNativeAccessEnabled());
    assertTrue(PoolMemory.DIRECT_AVAILABLE);
    assertTrue(PoolMemory.allocate(MiB, 4096, true, false).direct);
  }

  @Test
  void release_ofDirectMemory_returnsItsPagesAtOnce_andLaterReadsSeeZeros() throws IOException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    long bytes = 64 * MiB;
    PoolMemory memory = PoolMemory.allocate(bytes, 4096, true, false);
    long untouched = residentBytes();
    for (long at = 0; at < bytes; at += 4096) {
      PoolMemory.EVERYTHING.set(ValueLayout.JAVA_BYTE, memory.address + at, (byte) 1);
    }
    long touched = residentBytes();
    assertTrue(
        touched - untouched > 56 * MiB,
        "touching 64 MiB commits it: " + (touched - untouched) / MiB + " MiB");
    memory.release();
    long released = residentBytes();
    assertTrue(
        touched - released > 56 * MiB,
        "release returns it: " + (touched - released) / MiB + " MiB went back");
    // What a thread racing the release would see: mapped memory, zeros.
    assertEquals(0, PoolMemory.EVERYTHING.get(ValueLayout.JAVA_BYTE, memory.address + 4096));
    memory.release(); // idempotent
  }

  @ParameterizedTest(name = "pre_touch = {0}")
  @ValueSource(booleans = {true, false})
  void preTouch_commitsTheWholePoolWhenBuilt_andWithoutIt_aPoolCostsWhatItUses(boolean preTouch)
      throws IOException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    long bytes = 64 * MiB;
    OffHeapPool pool =
        new OffHeapPool(
            Fixtures.poolConfig(bytes).toBuilder().preTouch(preTouch).build(),
            Fixtures.FIRST_FIT,
            true);
    long before = residentBytes();
    pool.initialize();
    long built = residentBytes() - before;
    if (preTouch) {
      assertTrue(built > 56 * MiB, "pre-touched: " + built / MiB + " MiB resident when built");
    } else {
      assertTrue(built < 16 * MiB, "committed as used: " + built / MiB + " MiB when built");
    }
    MemoryBlock block = pool.allocateBlock(4096);
    assertEquals(0, block.getLong(4088), "a committed page still reads zeros");
    block.setLong(0, 42);
    assertEquals(42, block.getLong(0));
    pool.freeBlock(block);
    long open = residentBytes();
    pool.close();
    if (preTouch) {
      assertTrue(
          open - residentBytes() > 56 * MiB,
          "close gives the committed pages back: " + (open - residentBytes()) / MiB + " MiB");
    }
  }

  @Test
  void preTouch_commitsAFallbackSegmentWhenItIsAllocated() throws IOException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    OffHeapMemoryManager manager =
        new OffHeapMemoryManager(
            new ManagerContext(
                Fixtures.poolConfig(MiB).toBuilder().preTouch(true).build(),
                MemoryManagerConfig.builder().fallbackEnabled(true).fallbackLimit(64 * MiB).build(),
                Fixtures.FIRST_FIT,
                () -> false));
    try {
      long before = residentBytes();
      MemoryBlock big = manager.allocate(48 * MiB);
      long committed = residentBytes() - before;
      assertTrue(committed > 40 * MiB, "fallback committed: " + committed / MiB + " MiB");
      assertEquals(0, big.getLong(48 * MiB - 8));
      manager.deallocate(big);
      assertTrue(residentBytes() - before < 8 * MiB, "its free gives the pages back at once");
    } finally {
      manager.close();
    }
  }

  /**
   * What a refused {@code MADV_POPULATE_WRITE} leaves: part of the mapping faulted in. The refusal
   * must give that part back and say why, or a pool that failed to start would still hold memory.
   * This machine never refuses, so the errno is handed to the step that judges it.
   */
  @ParameterizedTest
  @ValueSource(ints = {PoolMemory.Mmap.ENOMEM, 14})
  void preTouch_refusedCommit_givesBackWhatWasCommitted_andNamesTheErrno(int errno)
      throws IOException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    long bytes = 64 * MiB;
    PoolMemory memory = PoolMemory.allocate(bytes, 4096, true, false);
    long before = residentBytes();
    PoolMemory.touchEachPage(memory.segment.asSlice(0, bytes / 2));
    long half = residentBytes();
    assertTrue(half - before > 24 * MiB, "half committed: " + (half - before) / MiB + " MiB");

    OutOfMemoryError refused =
        assertThrows(
            OutOfMemoryError.class, () -> PoolMemory.Mmap.settleCommit(memory.segment, errno));

    String message = refused.getMessage();
    assertTrue(message.contains(bytes + " bytes for pre_touch"), message);
    assertTrue(message.contains("errno " + errno), message);
    assertEquals(errno == PoolMemory.Mmap.ENOMEM, message.contains("ENOMEM"), message);
    long given = half - residentBytes();
    assertTrue(given > 24 * MiB, "the committed half goes back: " + given / MiB + " MiB");
    memory.release();
  }

  /**
   * Kernels before 5.14 refuse the advice itself (EINVAL): each page is written instead, with the
   * zero it already holds.
   */
  @Test
  void preTouch_onAKernelWithoutPopulateWrite_touchesEachPage_withoutChangingIt()
      throws IOException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    long bytes = 64 * MiB;
    PoolMemory memory = PoolMemory.allocate(bytes, 4096, true, false);
    long before = residentBytes();
    PoolMemory.Mmap.settleCommit(memory.segment, PoolMemory.Mmap.EINVAL);
    long committed = residentBytes() - before;
    assertTrue(committed > 56 * MiB, "committed: " + committed / MiB + " MiB");
    for (long at = 0; at < bytes; at += 4096 * 97) {
      assertEquals(0, PoolMemory.EVERYTHING.get(ValueLayout.JAVA_LONG, memory.address + at));
    }
    memory.release();
  }

  @Test
  void directMemory_isUnmapped_whenNothingReachesIt() throws InterruptedException {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    long before = PoolMemory.unmappedBytes();
    PoolMemory.allocate(8 * MiB, 4096, true, false).release();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (PoolMemory.unmappedBytes() - before < 8 * MiB && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertTrue(
        PoolMemory.unmappedBytes() - before >= 8 * MiB,
        "the mapping went when it became unreachable: " + (PoolMemory.unmappedBytes() - before));
  }

  @Test
  void checkedMemory_release_closesItsArena() {
    PoolMemory memory = PoolMemory.allocate(MiB, 4096, false, false);
    assertFalse(memory.direct);
    memory.segment.set(ValueLayout.JAVA_LONG, 8, 42);
    assertEquals(42, memory.segment.get(ValueLayout.JAVA_LONG, 8));
    memory.release();
    memory.release();
    assertTrue(memory.isReleased());
    assertThrows(IllegalStateException.class, () -> memory.segment.get(ValueLayout.JAVA_LONG, 8));
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {true, false})
  void everyAccessor_roundTrips(boolean direct) {
    OffHeapPool pool = pool(direct);
    MemoryBlock block = pool.allocateBlock(4096);
    block.setByte(1, (byte) -7);
    block.setInt(4, 123_456);
    block.setLong(8, -9L);
    assertEquals(-7, block.getByte(1));
    assertEquals(123_456, block.getInt(4));
    assertEquals(-9L, block.getLong(8));
    byte[] pattern = {1, 2, 3, 4, 5};
    block.copyFrom(pattern, 0, 100, pattern.length);
    byte[] back = new byte[5];
    block.copyTo(100, back, 0, 5);
    assertArrayEquals(pattern, back);
    block.fill(200, 16, (byte) 9);
    assertEquals(9, block.getByte(215));
    assertEquals(0, block.getByte(216));
    assertThrows(IndexOutOfBoundsException.class, () -> block.getLong(4089));
    assertThrows(IndexOutOfBoundsException.class, () -> block.setInt(-1, 0));
    pool.close();
  }

  @Test
  void copyTo_betweenDirectAndCheckedBlocks_copiesBothWays() {
    assumeTrue(PoolMemory.DIRECT_AVAILABLE);
    OffHeapPool direct = pool(true);
    OffHeapPool checked = pool(false);
    MemoryBlock a = direct.allocateBlock(4096);
    MemoryBlock b = checked.allocateBlock(4096);
    a.fill((byte) 3);
    a.copyTo(0, b, 10, 100);
    assertEquals(3, b.getByte(10));
    assertEquals(3, b.getByte(109));
    assertEquals(0, b.getByte(110));
    b.setLong(0, 77);
    b.copyTo(0, a, 0, 8);
    assertEquals(77, a.getLong(0));
    direct.close();
    checked.close();
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {true, false})
  void compaction_keepsContents(boolean direct) {
    OffHeapPool pool = pool(direct);
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      MemoryBlock block = pool.allocateBlock(4096);
      block.fill((byte) i);
      blocks.add(block);
    }
    for (int i = 0; i < 8; i += 2) {
      pool.freeBlock(blocks.get(i));
    }
    assertTrue(pool.compact());
    for (int i = 1; i < 8; i += 2) {
      byte[] expected = new byte[4096];
      Arrays.fill(expected, (byte) i);
      assertArrayEquals(expected, blocks.get(i).toByteArray(), "block " + i);
    }
    assertEquals(List.of(), pool.checkInvariants());
    pool.close();
  }

  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {true, false})
  void closedPool_refusesEveryAccess_withIllegalStateSayingWhy(boolean direct) {
    OffHeapPool pool = pool(direct);
    MemoryBlock block = pool.allocateBlock(4096);
    OffHeapPool otherPool = pool(direct);
    MemoryBlock other = otherPool.allocateBlock(4096);
    block.setLong(0, 1);
    pool.close();
    assertFalse(block.isValid());
    var e = assertThrows(IllegalStateException.class, () -> block.getLong(0));
    assertTrue(e.getMessage().contains("pool closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> block.setLong(0, 2));
    assertThrows(IllegalStateException.class, () -> block.getByte(0));
    assertThrows(IllegalStateException.class, () -> block.setInt(0, 2));
    assertThrows(IllegalStateException.class, () -> block.copyTo(0, new byte[8], 0, 8));
    assertThrows(IllegalStateException.class, () -> block.copyFrom(new byte[8], 0, 0, 8));
    assertThrows(IllegalStateException.class, () -> block.copyTo(0, other, 0, 8));
    assertThrows(IllegalStateException.class, () -> other.copyTo(0, block, 0, 8));
    assertThrows(IllegalStateException.class, () -> block.fill((byte) 0));
    assertTrue(other.isValid(), "the other pool's block is untouched");
    otherPool.close();
  }

  /**
   * Eight threads read and write their blocks while the pool closes under them: every thread ends
   * on IllegalStateException, nothing else, and the JVM does not crash (a crash fails the build's
   * test fork). Direct memory keeps the racing accesses safe by its lifetime, checked memory by the
   * JDK's close. Each thread reads a volatile flag per iteration, as a worker that takes its work
   * from other threads does: on direct memory a thread is refused from its next synchronization
   * action after the close on (a loop with none may have its checks hoisted, and then keeps writing
   * into the discarded pages, harmlessly; PoolMemory's note).
   */
  @ParameterizedTest(name = "direct={0}")
  @ValueSource(booleans = {true, false})
  void close_racingAccessesOnOtherThreads_endsEachWithIllegalState(boolean direct)
      throws InterruptedException {
    for (int round = 0; round < 20; round++) {
      OffHeapPool pool = pool(direct);
      List<MemoryBlock> blocks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        blocks.add(pool.allocateBlock(4096));
      }
      CountDownLatch running = new CountDownLatch(blocks.size());
      AtomicReference<Throwable> unexpected = new AtomicReference<>();
      AtomicLong refused = new AtomicLong();
      AtomicBoolean giveUp = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      for (MemoryBlock block : blocks) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      running.countDown();
                      try {
                        for (long i = 0; !giveUp.get(); i++) {
                          block.setLong((i * 8) & 4095, i);
                          block.getLong((i * 8) & 4095);
                        }
                      } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                      } catch (Throwable e) {
                        unexpected.set(e);
                      }
                    }));
      }
      running.await();
      pool.close();
      for (Thread thread : threads) {
        thread.join(10_000);
      }
      giveUp.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
      assertEquals(null, unexpected.get());
      assertEquals(blocks.size(), refused.get());
    }
  }

  private OffHeapPool pool(boolean direct) {
    assumeTrue(!direct || PoolMemory.DIRECT_AVAILABLE, "direct memory is not available here");
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(64 * 4096), Fixtures.FIRST_FIT, direct);
    pool.initialize();
    return pool;
  }

  /** This process's resident set (VmRSS), in bytes. */
  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
