package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Interleavings an independent review of the safepoint handshake found wrong: each test failed
 * (hung, stalled a collection, or read the wrong thing) before the fix it names.
 */
class SafepointRegressionTest {

  /**
   * A cleanup callback runs inside the pause on the thread that paused; when that thread has a
   * scope open, the callback's allocation must not wait for the pause to end (it is the pause).
   */
  @Test
  void cleanupCallback_allocatingOnAThreadInsideAScope_doesNotHangThePause() throws Exception {
    OffHeapManagedHeap heap =
        TestHeaps.heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    AtomicBoolean ran = new AtomicBoolean();
    AtomicBoolean finished = new AtomicBoolean();
    Thread t =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  HeapObject garbage = heap.allocate(0, 8); // no scope yet: unrooted
                  heap.onCollect(
                      garbage,
                      () -> {
                        heap.allocate(0, 8);
                        ran.set(true);
                      });
                  try (HeapScope scope = heap.openScope()) {
                    heap.allocate(0, 8);
                    heap.collector().forceCollection();
                  }
                  finished.set(true);
                });
    t.join(20_000);
    assertFalse(t.isAlive(), "the collecting thread hangs in its own pause");
    assertTrue(ran.get() && finished.get());
    heap.close();
  }

  /**
   * A thread inside a scope that calls the collector while another thread collects waits for the
   * collector's lock at a safepoint, so the other thread's pause does not wait for it.
   */
  @Test
  void scopedThreadCallingTheCollector_whileAnotherCollects_holdsNoPauseUp() throws Exception {
    OffHeapManagedHeap heap =
        TestHeaps.heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong failures = new AtomicLong();
    AtomicLong collections = new AtomicLong();
    Thread collector =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    try {
                      heap.collector().collect(CollectionCause.EXPLICIT);
                      collections.incrementAndGet();
                    } catch (RuntimeException e) {
                      failures.incrementAndGet();
                    }
                  }
                });
    HeapRefs refs = heap.refs();
    long end = System.nanoTime() + 2_000_000_000L;
    int token = refs.enterScope();
    while (System.nanoTime() < end) {
      refs.allocate(0, 8);
      heap.collector().getCollectionStatistics();
    }
    refs.exitScope(token);
    done.set(true);
    collector.join(30_000);
    assertEquals(0, failures.get(), "a collection timed out waiting for the scoped thread");
    assertTrue(collections.get() > 0);
    heap.close();
  }

  /**
   * A reader with no scope reads objects another thread allocates and drops while collections free
   * them and the table grows: every value it reads is the object's own (or the object is gone).
   */
  @Test
  void readerWithNoScope_neverReadsAnotherObjectsCell() throws Exception {
    OffHeapManagedHeap heap =
        TestHeaps.heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    HeapRefs refs = heap.refs();
    long head = refs.allocate(1, 0);
    refs.addRoot(head);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong wrong = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  int burst = 2000;
                  long i = 0;
                  while (!done.get()) {
                    int scope = refs.enterScope();
                    long x = refs.allocate(1, 16);
                    refs.setLong(x, 0, x);
                    refs.setLong(x, 8, ~x);
                    refs.set(head, 0, x);
                    refs.exitScope(scope);
                    if (++i % 20_000 == 0 && burst < 400_000) { // grows the table
                      int fill = refs.enterScope();
                      for (int k = 0; k < burst; k++) {
                        refs.allocate(0, 8);
                      }
                      refs.exitScope(fill);
                      burst *= 2;
                    }
                  }
                });
    Thread collector =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    heap.collector().collect(CollectionCause.EXPLICIT);
                  }
                });
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    long c = refs.get(head, 0);
                    if (c == HeapRefs.NULL) {
                      continue;
                    }
                    try {
                      long v = refs.getLong(c, 0);
                      long w = refs.getLong(c, 8);
                      reads.incrementAndGet();
                      if ((v != c && v != 0) || (w != ~c && w != 0) || refs.dataBytes(c) != 16) {
                        wrong.incrementAndGet();
                      }
                    } catch (UseAfterFreeException e) {
                      // freed between the reads: allowed
                    } catch (RuntimeException e) {
                      wrong.incrementAndGet();
                    }
                  }
                });
    Thread.sleep(3_000);
    done.set(true);
    writer.join(30_000);
    collector.join(30_000);
    reader.join(30_000);
    assertEquals(0, wrong.get(), "values or exceptions of another object, in " + reads + " reads");
    assertTrue(reads.get() > 0);
    heap.close();
  }
}
