package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.api.gc.WeakHeapReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transaction part of {@link GarbageCollectorContract}: what {@link ManagedHeap#begin()}
 * promises, on whichever collector the heap runs.
 */
final class TransactionChecks {
  private TransactionChecks() {}

  /**
   * Every kind of change made inside a rolled-back transaction is undone, with a collection inside
   * it that would free what the transaction unlinked if the rollback did not keep it.
   */
  static void rollbackUndoesEverything(ManagedHeap heap, Runnable collect) {
    HeapRefs r = heap.refs();
    long a = r.allocate(2, 16);
    long b = r.allocate(1, 8);
    long c = r.allocate(0, 12);
    r.set(a, 0, b);
    r.set(b, 0, c);
    r.setLong(a, 0, 11);
    r.setLong(a, 8, 12);
    r.setLong(c, 0, 33);
    r.setInt(c, 8, 34);
    r.addRoot(a);
    r.addRoot(c);
    r.addRoot(a);
    collect.run();
    StateDigest before = heap.digest();
    long objects = heap.objectCount();
    long d;
    AtomicInteger freedInside = new AtomicInteger();
    WeakHeapReference weakD;
    try (HeapTransaction tx = heap.begin()) {
      assertEquals(1, tx.depth());
      d = r.allocate(1, 8);
      heap.onCollect(r.handle(d), freedInside::incrementAndGet);
      weakD = heap.weakReference(r.handle(d));
      r.set(a, 0, d); // b is now reachable only through what the transaction keeps
      r.set(a, 1, d);
      r.set(d, 0, c);
      r.setLong(a, 8, 99);
      r.setByte(c, 3, (byte) 7);
      r.setInt(c, 8, -1);
      HeapObject handleA = r.handle(a);
      handleA.data().fill(0, 16, (byte) 0x5a);
      handleA.data().copyFrom(new byte[] {1, 2, 3}, 0, 13, 3);
      assertTrue(r.removeRoot(a));
      assertTrue(r.removeRoot(a));
      assertTrue(r.removeRoot(c)); // c is reachable only through d now, which is rooted next
      r.addRoot(d);
      r.addRoot(c); // back, but after d: the order changed
      collect.run();
      assertTrue(r.isLive(b), "a collection inside the transaction kept what a rollback needs");
      assertFalse(heap.digest().equals(before), "the changes show in the digest");
      tx.rollback();
      assertFalse(tx.isOpen());
    }
    assertFalse(r.isLive(d), "an object allocated in a rolled-back transaction is freed");
    assertThrows(UseAfterFreeException.class, () -> r.get(d, 0));
    assertEquals(1, freedInside.get(), "its cleanup callback ran");
    assertNull(weakD.get(), "its weak reference cleared");
    assertEquals(b, r.get(a, 0));
    assertEquals(0, r.get(a, 1));
    assertEquals(c, r.get(b, 0));
    assertEquals(11, r.getLong(a, 0));
    assertEquals(12, r.getLong(a, 8));
    assertEquals(33, r.getLong(c, 0));
    assertEquals(34, r.getInt(c, 8));
    assertEquals(objects, heap.objectCount());
    assertEquals(before, heap.digest(), "the digest is the one from before begin()");
    assertTrue(r.removeRoot(a));
    assertTrue(r.removeRoot(a));
    assertFalse(r.removeRoot(a), "a was a root twice, as before");
    assertTrue(r.removeRoot(c));
  }

  /** A rolled-back transaction's objects go, but one a scope from before it holds stays. */
  static void rollbackKeepsWhatAnOuterScopeHolds(ManagedHeap heap, Runnable collect) {
    HeapRefs r = heap.refs();
    int scope = r.enterScope();
    try {
      long held;
      long dropped;
      try (HeapTransaction tx = heap.begin()) {
        held = r.allocate(0, 8); // rooted by the scope opened before the transaction
        int inner = r.enterScope();
        dropped = r.allocate(0, 8);
        r.exitScope(inner);
        r.setLong(held, 0, 5);
        tx.rollback();
      }
      assertTrue(r.isLive(held), "the scope still holds it: it is not unreachable");
      assertFalse(r.isLive(dropped));
      collect.run();
      assertTrue(r.isLive(held));
    } finally {
      r.exitScope(scope);
    }
  }

  /** A committed transaction keeps its effects; frames nest like calls. */
  static void framesNest(ManagedHeap heap, Runnable collect) {
    HeapRefs r = heap.refs();
    long root = r.allocate(3, 8);
    r.addRoot(root);
    StateDigest start = heap.digest();
    long kept;
    long undone;
    try (HeapTransaction outer = heap.begin()) {
      kept = r.allocate(0, 8);
      r.set(root, 0, kept);
      try (HeapTransaction inner = heap.begin()) {
        assertEquals(2, inner.depth());
        undone = r.allocate(0, 8);
        r.set(root, 1, undone);
        r.setLong(root, 0, 42);
        inner.rollback();
      }
      assertFalse(r.isLive(undone));
      assertEquals(0, r.get(root, 1));
      assertEquals(0, r.getLong(root, 0));
      assertEquals(kept, r.get(root, 0));
      StateDigest afterInner = heap.digest();
      try (HeapTransaction inner = heap.begin()) {
        r.set(root, 2, kept);
        inner.commit(); // handed to the outer frame, which may still undo it
      }
      assertEquals(kept, r.get(root, 2));
      assertFalse(heap.digest().equals(afterInner));
      collect.run();
      outer.rollback();
    }
    assertFalse(r.isLive(kept));
    assertEquals(0, r.get(root, 0));
    assertEquals(0, r.get(root, 2));
    assertEquals(start, heap.digest());

    try (HeapTransaction tx = heap.begin()) {
      kept = r.allocate(0, 8);
      r.set(root, 0, kept);
      tx.commit();
    }
    collect.run();
    assertTrue(r.isLive(kept), "a committed allocation stays");
    assertEquals(kept, r.get(root, 0));
    assertTrue(r.removeRoot(root));
  }

  /** Misuse is refused and changes nothing. */
  static void misuseIsRefused(ManagedHeap heap) throws Exception {
    HeapRefs r = heap.refs();
    long root = r.allocate(1, 8);
    r.addRoot(root);
    HeapTransaction outer = heap.begin();
    HeapTransaction inner = heap.begin();
    IllegalStateException e = assertThrows(IllegalStateException.class, outer::commit);
    assertTrue(e.getMessage().contains("innermost"), e.getMessage());
    assertTrue(outer.isOpen());
    e =
        assertThrows(
            IllegalStateException.class,
            () -> {
              try {
                CompletableFuture.runAsync(inner::rollback).get();
              } catch (java.util.concurrent.ExecutionException x) {
                throw x.getCause();
              }
            });
    assertTrue(e.getMessage().contains("thread"), e.getMessage());
    r.setLong(root, 0, 7);
    inner.commit();
    assertThrows(IllegalStateException.class, inner::commit);
    assertThrows(IllegalStateException.class, inner::rollback);
    inner.close(); // ended already: nothing
    outer.close(); // rolls back
    assertEquals(0, r.getLong(root, 0));
    assertTrue(r.removeRoot(root));
  }

  /**
   * A random program with nested frames against a model: after each frame's rollback the digest is
   * the one from its begin, and payloads read back as the model says.
   */
  static void randomFramesMatchTheirModel(ManagedHeap heap, long seed, Runnable collect) {
    HeapRefs r = heap.refs();
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    List<Long> objects = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      long o = r.allocate(2, 16);
      r.addRoot(o);
      objects.add(o);
    }
    List<StateDigest> digests = new ArrayList<>();
    List<HeapTransaction> frames = new ArrayList<>();
    for (int step = 0; step < 600; step++) {
      int op = random.nextInt(10);
      if (op == 0 && frames.size() < 5) {
        digests.add(heap.digest());
        frames.add(heap.begin());
      } else if (op == 1 && !frames.isEmpty()) {
        HeapTransaction f = frames.remove(frames.size() - 1);
        StateDigest expected = digests.remove(digests.size() - 1);
        if (random.nextBoolean()) {
          f.rollback();
          assertEquals(expected, heap.digest(), "rollback at step " + step);
        } else {
          f.commit();
        }
      } else if (op == 2) {
        collect.run();
      } else {
        long from = objects.get(random.nextInt(objects.size()));
        if (!r.isLive(from)) {
          continue;
        }
        switch (random.nextInt(4)) {
          case 0 -> {
            long fresh = r.allocate(2, 16);
            r.set(from, random.nextInt(2), fresh);
            objects.add(fresh);
          }
          case 1 -> {
            long to = objects.get(random.nextInt(objects.size()));
            r.set(from, random.nextInt(2), r.isLive(to) ? to : 0);
          }
          case 2 -> r.setLong(from, 8 * random.nextInt(2), random.nextLong());
          default -> {
            long o = objects.get(random.nextInt(objects.size()));
            if (r.isLive(o) && random.nextBoolean()) {
              r.addRoot(o);
            } else if (r.isLive(o)) {
              r.removeRoot(o);
            }
          }
        }
      }
    }
    while (!frames.isEmpty()) {
      frames.remove(frames.size() - 1).rollback();
      assertEquals(digests.remove(digests.size() - 1), heap.digest());
    }
  }

  /**
   * A rollback made while a collection is under way (a background step started marking) still frees
   * the frame's objects: its collection must not keep what the running cycle marked or saw born.
   */
  static void rollbackDuringACollectionCycle(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    long root = r.allocate(1, 8);
    r.addRoot(root);
    for (int i = 0; i < 2000; i++) {
      r.allocate(1, 16);
    }
    heap.collector().collect(dev.omega.mem.api.gc.CollectionCause.BACKGROUND);
    long d;
    try (HeapTransaction tx = heap.begin()) {
      d = r.allocate(0, 8);
      r.set(root, 0, d);
      tx.rollback();
    }
    assertFalse(r.isLive(d), "the rolled-back frame's object is freed at the rollback");
    assertEquals(0, r.get(root, 0));
    assertTrue(r.removeRoot(root));
  }

  /**
   * A restore that fails part-way (out of gas) while a collection is under way leaves the heap
   * empty, so the next restore is accepted.
   */
  static void failedRestoreDuringACollectionCycle(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    long head = r.allocate(1, 8);
    long prev = head;
    for (int i = 0; i < 50; i++) {
      long next = r.allocate(1, 8);
      r.set(prev, 0, next);
      prev = next;
    }
    r.addRoot(head);
    byte[] snapshot = snapshotOf(heap);
    assertTrue(r.removeRoot(head));
    heap.collector().forceCollection();
    assertEquals(0, heap.objectCount());
    for (int i = 0; i < 2000; i++) {
      r.allocate(1, 16);
    }
    heap.collector().collect(dev.omega.mem.api.gc.CollectionCause.BACKGROUND);
    heap.collector().forceCollection();
    assertEquals(0, heap.objectCount(), "the garbage went");
    heap.collector().collect(dev.omega.mem.api.gc.CollectionCause.BACKGROUND); // may start a cycle
    assertEquals(0, heap.objectCount());
    try (dev.omega.mem.api.GasMeter meter =
        heap.meter(300, dev.omega.mem.api.GasSchedule.defaults())) {
      assertThrows(
          dev.omega.mem.api.MeterExhaustedException.class,
          () -> heap.restore(new java.io.ByteArrayInputStream(snapshot)));
    }
    assertEquals(0, heap.objectCount(), "the failed restore left no object behind");
    heap.restore(new java.io.ByteArrayInputStream(snapshot));
    assertEquals(51, heap.objectCount());
  }

  /** A thread that ends inside a transaction has it rolled back: a half-done call is not state. */
  static void threadEndingInsideATransaction_isRolledBack(ManagedHeap heap) throws Exception {
    HeapRefs r = heap.refs();
    long root = r.allocate(1, 8);
    r.addRoot(root);
    r.setLong(root, 0, 7);
    StateDigest before = heap.digest();
    Thread t =
        new Thread(
            () -> {
              heap.begin();
              heap.begin();
              r.setLong(root, 0, 42);
              r.set(root, 0, r.allocate(0, 8));
            });
    t.start();
    t.join();
    heap.collector().forceCollection(); // its pause finds the thread gone
    assertEquals(7, r.getLong(root, 0));
    assertEquals(0, r.get(root, 0));
    assertEquals(before, heap.digest());
    heap.collector().forceCollection();
    assertEquals(1, heap.objectCount(), "what it allocated was freed");
    assertTrue(r.removeRoot(root));
  }

  /** Snapshot bytes of a state, for comparing two heaps' states byte for byte. */
  static byte[] snapshotOf(ManagedHeap heap) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    heap.snapshot(out);
    return out.toByteArray();
  }

  /** After a rollback the snapshot is byte for byte the one from before. */
  static void rollbackRestoresTheSnapshot(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    long a = r.allocate(1, 32);
    r.addRoot(a);
    r.setLong(a, 24, 1);
    byte[] before = snapshotOf(heap);
    try (HeapTransaction tx = heap.begin()) {
      long b = r.allocate(0, 4);
      r.set(a, 0, b);
      r.setLong(a, 24, 2);
      tx.rollback();
    }
    assertArrayEquals(before, snapshotOf(heap));
    assertTrue(r.removeRoot(a));
  }
}
