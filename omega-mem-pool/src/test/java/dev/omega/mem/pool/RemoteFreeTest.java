package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.OutOfMemoryException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frees by a thread other than the allocating one (Block's note: the owner frees with plain
 * accesses, others with a CAS and a queue to the owner). Every test ends with {@code
 * verifyIntegrity}, which fails when any free block is in two places (a slab, a cache, a queue).
 */
class RemoteFreeTest {
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
  void blockFreedByAnotherThread_goesBackToItsOwner_whoReusesItOnce() throws Exception {
    assumeTrue(m.cache().tag > 0, "this thread's cache slot is held by another live thread");
    Block b = (Block) m.allocate(64);
    assertEquals(m.cache().tag, b.owner());
    onAnotherThread(() -> m.deallocate(b));

    // Counted as freed at once, though the slot waits in the owner's queue.
    assertEquals(0, m.getStatistics().liveBlocks());
    assertEquals(0, m.getMemoryUsage());
    assertThrows(DoubleFreeException.class, () -> m.deallocate(b));

    // The owner's next allocation takes the queue into its cache and, last in first out, gets it.
    Block again = (Block) m.allocate(64);
    assertSame(b.region, again.region);
    assertEquals(b.index, again.index);
    allocateOneMoreElsewhereThan(again);
  }

  /** Allocates a block of {@code held}'s size, checks it is another slot, frees both. */
  private void allocateOneMoreElsewhereThan(Block held) {
    Block other = (Block) m.allocate(held.requestedSize());
    assertTrue(other.region != held.region || other.index != held.index, "slot handed out twice");
    m.deallocate(held);
    m.deallocate(other);
  }

  @Test
  void blocksOfADeadThread_freedElsewhere_goStraightBackToTheirSlabs() throws Exception {
    List<MemoryBlock> inherited = new ArrayList<>();
    onAnotherThread(
        () -> {
          for (int i = 0; i < 500; i++) {
            MemoryBlock b = m.allocate(64);
            b.setLong(0, i);
            inherited.add(b);
          }
        });
    for (int i = 0; i < inherited.size(); i++) {
      assertEquals(i, inherited.get(i).getLong(0));
      m.deallocate(inherited.get(i));
    }
    assertEquals(0, m.getStatistics().liveBlocks());
    assertEquals(
        0,
        m.getStatistics().sizeClasses().stream()
            .filter(c -> c.blockSize() == 64)
            .mapToLong(c -> c.liveBlocks())
            .sum());
  }

  @Test
  void blocksFreedForABusyOwner_reachItWhenItOnlyFrees() throws Exception {
    assumeTrue(m.cache().tag > 0, "this thread's cache slot is held by another live thread");
    List<MemoryBlock> mine = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      mine.add(m.allocate(64));
    }
    onAnotherThread(
        () -> {
          for (int i = 0; i < 100; i++) {
            m.deallocate(mine.get(i));
          }
        });
    assertTrue(m.cache().attention, "the owner was not told about blocks freed for it");
    m.deallocate(mine.get(100)); // a free serves the request too
    assertTrue(!m.cache().attention);
    for (int i = 101; i < mine.size(); i++) {
      m.deallocate(mine.get(i));
    }
    assertEquals(0, m.getStatistics().liveBlocks());
  }

  /**
   * What others freed for a thread that then stops calling the manager stays with that thread (only
   * it may reuse it): the out-of-memory diagnosis says where the memory is, and the memory comes
   * back at that thread's next call.
   */
  @Test
  void ownerThatGoesIdle_holdsWhatOthersFreedForIt_untilItsNextCall() throws Exception {
    List<MemoryBlock> handed = new ArrayList<>();
    java.util.concurrent.CountDownLatch freed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger ownerTag =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread owner =
        Thread.ofPlatform()
            .start(
                () -> {
                  ownerTag.set(m.cache().tag);
                  synchronized (handed) {
                    for (int i = 0; i < 12 * 1024; i++) {
                      handed.add(m.allocate(1024)); // 12 MiB of the 16 MiB pool
                    }
                  }
                  try {
                    freed.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  m.deallocate(m.allocate(64)); // its next call takes the queue back
                });
    while (true) {
      synchronized (handed) {
        if (handed.size() == 12 * 1024) {
          break;
        }
      }
      Thread.sleep(1);
    }
    if (ownerTag.get() == 0) {
      freed.countDown();
      owner.join();
      synchronized (handed) {
        handed.forEach(m::deallocate);
      }
      assumeTrue(false, "the owner's cache slot was held by another live thread");
    }
    synchronized (handed) {
      handed.forEach(m::deallocate);
    }
    assertEquals(0, m.getStatistics().liveBlocks());
    OutOfMemoryException refused =
        assertThrows(OutOfMemoryException.class, () -> m.allocate(8 * MIB));
    assertTrue(
        refused.getMessage().contains("wait for the live threads that allocated them"),
        refused.getMessage());

    freed.countDown();
    owner.join();
    m.deallocate(m.allocate(8 * MIB));
  }

  /**
   * The interleaving that makes both frees return, replayed step by step: the owner reads the state
   * word, the other thread's CAS frees and queues the block, then the owner's plain store lands.
   * The queue must drop its copy (and report it), or the slot would be free twice.
   */
  @Test
  void ownerFreeLandingAfterARemoteOne_keepsTheSlotOnce() throws Exception {
    assumeTrue(m.cache().tag > 0, "this thread's cache slot is held by another live thread");
    VarHandle state =
        MethodHandles.privateLookupIn(Block.class, MethodHandles.lookup())
            .findVarHandle(Block.class, "state", int.class);
    Block b = (Block) m.allocate(64);
    int seenByOwner = (int) state.getVolatile(b);
    onAnotherThread(() -> m.deallocate(b)); // CAS: FREED | REMOTE, queued for this thread
    state.setVolatile(b, seenByOwner); // this thread's read happened before that CAS
    m.deallocate(b); // its plain store lands after it: both frees return

    assertEquals(0, m.getStatistics().liveBlocks()); // counted once, not twice
    assertEquals(0, m.getMemoryUsage());
    allocateOneMoreElsewhereThan((Block) m.allocate(64));
  }

  /**
   * The owner and another thread free the same block at the same moment, many times. The owner's
   * free is a plain store, so sometimes both frees return; the block must still be reused once,
   * which {@code verifyIntegrity} checks, and every other block must keep its contents.
   */
  @Test
  void ownerAndAnotherThreadFreeingOneBlockAtOnce_neverReuseItTwice() throws Exception {
    assumeTrue(m.cache().tag > 0, "this thread's cache slot is held by another live thread");
    List<MemoryBlock> bystanders = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      MemoryBlock b = m.allocate(64);
      b.setLong(0, i);
      b.setLong(56, i);
      bystanders.add(b);
    }
    int rounds = 20_000;
    CyclicBarrier together = new CyclicBarrier(2);
    AtomicReference<MemoryBlock> shared = new AtomicReference<>();
    int[] remoteWins = new int[1];
    Thread remote =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int r = 0; r < rounds; r++) {
                      together.await();
                      try {
                        m.deallocate(shared.get());
                        remoteWins[0]++;
                      } catch (DoubleFreeException expected) {
                        // the owner's free came first
                      }
                      together.await();
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    int ownerWins = 0;
    List<MemoryBlock> live = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      shared.set(m.allocate(64));
      together.await();
      try {
        m.deallocate(shared.get());
        ownerWins++;
      } catch (DoubleFreeException expected) {
        // the other thread's free came first
      }
      together.await();
      // Allocate a few, so a slot reused twice would show as two live blocks on one address.
      for (int i = 0; i < 3; i++) {
        MemoryBlock b = m.allocate(64);
        b.setLong(0, -r);
        live.add(b);
      }
      if (live.size() > 300) {
        assertDistinct(live);
        live.forEach(m::deallocate);
        live.clear();
      }
    }
    remote.join();
    assertDistinct(live);
    live.forEach(m::deallocate);
    assertTrue(ownerWins + remoteWins[0] >= rounds, "a free was lost");
    for (int i = 0; i < bystanders.size(); i++) {
      assertEquals(i, bystanders.get(i).getLong(0));
      assertEquals(i, bystanders.get(i).getLong(56));
      m.deallocate(bystanders.get(i));
    }
    // Both frees of a raced block were counted; the queue took the second one back.
    assertEquals(0, m.getStatistics().liveBlocks());
    assertEquals(0, m.getMemoryUsage());
  }

  private static void assertDistinct(List<MemoryBlock> blocks) {
    Map<Region, Set<Integer>> places = new IdentityHashMap<>();
    for (MemoryBlock mb : blocks) {
      Block b = (Block) mb;
      assertTrue(
          places.computeIfAbsent(b.region, r -> new HashSet<>()).add(b.index),
          "one slot is held by two live blocks");
    }
  }
}
