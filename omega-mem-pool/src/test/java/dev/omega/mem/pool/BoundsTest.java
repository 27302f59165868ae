package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omega.mem.api.MemoryBlock;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bounds against hostile lengths: a length so large that {@code size - length} wraps must be
 * refused whatever state the block's region is in (live, moving, released). Without the check a
 * bulk fill of a closed direct pool ran over its mapping and crashed the JVM.
 */
class BoundsTest {
  private static final long MIB = 1 << 20;
  private static final long HUGE = 0x6000_0000_0000_0000L;

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void hugeLength_onALiveBlock_isOutOfBounds(boolean direct) {
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(MIB), Fixtures.FIRST_FIT, direct);
    pool.initialize();
    MemoryBlock b = pool.allocateBlock(5000);
    MemoryBlock other = pool.allocateBlock(5000);
    assertThrows(IndexOutOfBoundsException.class, () -> b.fill(0, HUGE, (byte) 1));
    assertThrows(IndexOutOfBoundsException.class, () -> b.fill(1, Long.MAX_VALUE, (byte) 1));
    assertThrows(IndexOutOfBoundsException.class, () -> b.copyTo(0, other, 0, HUGE));
    pool.close();
  }

  @ParameterizedTest(name = "direct memory: {0}")
  @ValueSource(booleans = {true, false})
  void hugeLength_afterThePoolClosed_isRefusedAndTouchesNothing(boolean direct) {
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(MIB), Fixtures.FIRST_FIT, direct);
    pool.initialize();
    MemoryBlock b = pool.allocateBlock(5000);
    MemoryBlock other = pool.allocateBlock(5000);
    pool.close();
    assertThrows(IllegalStateException.class, () -> b.fill(0, HUGE, (byte) 1));
    assertThrows(IllegalStateException.class, () -> b.copyTo(0, other, 0, HUGE));
    assertThrows(IllegalStateException.class, () -> b.getLong(0));
  }

  @Test
  void hugeLength_whileTheRegionMoves_waitsForTheMoveThenIsOutOfBounds() throws Exception {
    OffHeapPool pool = new OffHeapPool(Fixtures.poolConfig(MIB), Fixtures.FIRST_FIT, true);
    pool.initialize();
    Block b = (Block) pool.allocateBlock(5000);
    b.region.startMove();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread filler =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    b.fill(0, HUGE, (byte) 1);
                  } catch (Throwable e) {
                    thrown.set(e);
                  }
                });
    Thread.sleep(50);
    b.region.endMove();
    filler.join();
    assertEquals(IndexOutOfBoundsException.class, thrown.get().getClass());
    pool.close();
  }
}
