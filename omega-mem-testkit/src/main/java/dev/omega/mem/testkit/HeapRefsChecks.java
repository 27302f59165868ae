package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.function.Executable;

/**
 * The {@link HeapRefs} part of {@link GarbageCollectorContract}: what a runtime that keeps ids in
 * its own registers relies on. Kept apart so the contract class stays one page of scenarios.
 */
final class HeapRefsChecks {
  private HeapRefsChecks() {}

  /** Ids and handles name the same objects; every accessor reads back what was written. */
  static void roundTrip(ManagedHeap heap, Runnable collect) {
    HeapRefs refs = heap.refs();
    int token = refs.enterScope();
    long a = refs.allocate(2, 16);
    long b = refs.allocate(0, 9);
    refs.set(a, 1, b);
    refs.setLong(a, 0, 0x1122_3344_5566_7788L);
    refs.setInt(a, 8, -7);
    refs.setByte(b, 8, (byte) 0x5A);
    assertEquals(HeapRefs.NULL, refs.get(a, 0));
    assertEquals(b, refs.get(a, 1));
    assertEquals(2, refs.referenceSlots(a));
    assertEquals(16, refs.dataBytes(a));
    assertEquals(9, refs.dataBytes(b));
    assertEquals(0x1122_3344_5566_7788L, refs.getLong(a, 0));
    assertEquals(-7, refs.getInt(a, 8));
    assertEquals((byte) 0x5A, refs.getByte(b, 8));
    HeapObject handle = refs.handle(a);
    assertEquals(a, refs.id(handle));
    assertEquals(refs.handle(b), heap.getReference(handle, 1));
    assertEquals(0x1122_3344_5566_7788L, handle.data().getLong(0));
    collect.run();
    assertTrue(refs.isLive(a) && refs.isLive(b), "the open scope roots both");
    refs.exitScope(token);
    collect.run();
    assertFalse(refs.isLive(a));
    assertFalse(refs.isLive(b));
  }

  /**
   * Every method refuses a stale id (use after free), an id of another heap or made up (access
   * violation), the null id (null pointer) and a slot or offset outside the object (index out of
   * bounds), and changes nothing when it does.
   */
  static void badIds(ManagedHeap heap, ManagedHeap other, Runnable collect) {
    HeapRefs refs = heap.refs();
    long stale = refs.allocate(1, 8);
    collect.run();
    assertFalse(refs.isLive(stale));
    int token = refs.enterScope();
    long live = refs.allocate(2, 8);
    long foreign = other.refs().allocate(2, 8);
    other.refs().addRoot(foreign);
    long madeUp = live ^ (1L << 40);
    try (HeapScope scope = heap.openScope()) {
      for (long bad : new long[] {stale, foreign, madeUp, HeapRefs.NULL}) {
        Class<? extends Throwable> expected =
            bad == stale
                ? UseAfterFreeException.class
                : bad == HeapRefs.NULL
                    ? NullPointerException.class
                    : AccessViolationException.class;
        assertFalse(refs.isLive(bad));
        for (Executable call : everyCall(refs, scope, bad)) {
          assertThrows(expected, call, () -> "id " + Long.toHexString(bad));
        }
        if (bad != HeapRefs.NULL) {
          assertThrows(expected, () -> refs.set(live, 0, bad), "as a target");
        }
      }
      for (Executable call :
          List.<Executable>of(
              () -> refs.get(live, 2),
              () -> refs.get(live, -1),
              () -> refs.set(live, 2, HeapRefs.NULL),
              () -> refs.getLong(live, 1),
              () -> refs.setLong(live, -1, 0),
              () -> refs.getInt(live, 5),
              () -> refs.setInt(live, 8, 0),
              () -> refs.getByte(live, 8),
              () -> refs.setByte(live, Integer.MIN_VALUE, (byte) 0))) {
        assertThrows(IndexOutOfBoundsException.class, call);
      }
    }
    assertTrue(refs.isLive(live));
    assertEquals(HeapRefs.NULL, refs.get(live, 0), "nothing was written");
    assertEquals(0, refs.getLong(live, 0));
    assertThrows(IllegalStateException.class, () -> refs.exitScope(token + 1));
    refs.exitScope(token);
    assertThrows(IllegalStateException.class, () -> refs.exitScope(token), "closed already");
    assertTrue(other.refs().removeRoot(foreign));
  }

  private static List<Executable> everyCall(HeapRefs refs, HeapScope scope, long id) {
    return List.of(
        () -> refs.get(id, 0),
        () -> refs.set(id, 0, HeapRefs.NULL),
        () -> refs.referenceSlots(id),
        () -> refs.dataBytes(id),
        () -> refs.getLong(id, 0),
        () -> refs.setLong(id, 0, 1),
        () -> refs.getInt(id, 0),
        () -> refs.setInt(id, 0, 1),
        () -> refs.getByte(id, 0),
        () -> refs.setByte(id, 0, (byte) 1),
        () -> refs.addRoot(id),
        () -> refs.removeRoot(id),
        () -> refs.hold(scope, id),
        () -> refs.handle(id));
  }

  /**
   * The safepoint handshake under load: {@code threads} mutators build, link, read and rewrite
   * rooted lists through ids while another thread forces collections and the background cycle runs.
   * A collection that freed a reachable object, or missed a barrier, shows as a list whose payloads
   * or length changed, or as an id that stopped being live while rooted.
   */
  static void safepointsUnderLoad(ManagedHeap heap, int threads, Runnable collect)
      throws Exception {
    HeapRefs refs = heap.refs();
    AtomicLong broken = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    List<Callable<Void>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long tag = (long) t << 32;
      work.add(
          () -> {
            for (int round = 0; round < 20; round++) {
              int token = refs.enterScope();
              try {
                long head = refs.allocate(2, 8);
                long tail = head;
                for (int i = 0; i < 300; i++) {
                  long next = refs.allocate(2, 8);
                  refs.setLong(next, 0, tag | i);
                  refs.set(tail, 0, next);
                  refs.set(next, 1, tail); // back links: old-to-young writes once promoted
                  tail = next;
                  if (i % 50 == 0) {
                    refs.poll();
                  }
                }
                // Rewire: drop every other node, so the barrier sees overwritten references.
                for (long at = refs.get(head, 0); at != HeapRefs.NULL; at = refs.get(at, 0)) {
                  long skip = refs.get(at, 0);
                  if (skip != HeapRefs.NULL) {
                    refs.set(at, 0, refs.get(skip, 0));
                  }
                }
                long expected = 0;
                for (long at = refs.get(head, 0); at != HeapRefs.NULL; at = refs.get(at, 0)) {
                  if (refs.getLong(at, 0) != (tag | expected)) {
                    broken.incrementAndGet();
                  }
                  expected += 2;
                }
                if (expected != 300) {
                  broken.incrementAndGet();
                }
              } catch (UseAfterFreeException e) {
                broken.incrementAndGet(); // a rooted object was freed under the thread
              } finally {
                refs.exitScope(token);
              }
            }
            return null;
          });
    }
    boolean started = heap.collector().startCollectionCycle();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<?> collecting =
          pool.submit(
              () -> {
                while (!done.get()) {
                  collect.run();
                }
                return null;
              });
      for (Future<Void> f : pool.invokeAll(work)) {
        f.get(120, TimeUnit.SECONDS);
      }
      done.set(true);
      collecting.get(60, TimeUnit.SECONDS);
    } finally {
      done.set(true);
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "mutators stopped");
      if (started) {
        heap.collector().stopCollectionCycle();
      }
    }
    assertEquals(0, broken.get(), "lists changed or lost while rooted");
    collect.run();
    assertEquals(0, heap.objectCount(), "every list was let go with its scope");
  }
}
