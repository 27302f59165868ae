package dev.omega.mem.gc;

import static dev.omega.mem.gc.TestHeaps.hangChain;
import static dev.omega.mem.gc.TestHeaps.heap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code reference-counting} does beyond the shared contract. */
class ReferenceCountingSpecificsTest {
  /** A heap on reference counting with the default configuration. */
  private static OffHeapManagedHeap referenceCountingHeap() {
    return heap(new BuiltInCollectors.ReferenceCounting(), GarbageCollectorConfig.builder());
  }

  private static void twoCycles(OffHeapManagedHeap heap) {
    try (HeapScope scope = heap.openScope()) {
      HeapObject a = heap.allocate(1, 8);
      HeapObject b = heap.allocate(1, 8);
      heap.setReference(a, 0, b);
      heap.setReference(b, 0, a);
      HeapObject c = heap.allocate(1, 8);
      heap.setReference(c, 0, c);
    }
  }

  @Test
  void referenceCounting_detectCycles_reportsCyclesObjectsAndBytes() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    HeapObject kept = heap.allocate(0, 8);
    heap.addRoot(kept);
    twoCycles(heap);
    CycleReport report = heap.collector().detectCycles();
    assertEquals(2, report.cycles());
    assertEquals(3, report.objects());
    assertEquals(3 * (8 + 8 + OffHeapManagedHeap.HEADER_BYTES), report.bytes());
    assertEquals(1, heap.objectCount());
    assertEquals(2, heap.collector().getCollectionStatistics().cyclesFound());
    heap.close();
  }

  /**
   * Both forms of trial deletion find the same garbage and the same groups: a ring that still
   * points at a live object, a self-cycle, and a longer ring; the live object and what it holds
   * stay, with counts that match their references.
   */
  @ParameterizedTest
  @ValueSource(strings = {"FROM_CANDIDATES", "OVER_THE_HEAP", "ADAPTIVE"})
  void referenceCounting_eachFormOfTrialDeletion_findsTheSameGarbageAndGroups(String form) {
    OffHeapManagedHeap heap =
        heap(
            ReferenceCountingOverTheHeapTest.fixed(
                ReferenceCountingCollector.TrialDeletion.valueOf(form)),
            GarbageCollectorConfig.builder());
    HeapObject live = heap.allocate(1, 8);
    heap.addRoot(live);
    hangChain(heap, live, 3);
    try (HeapScope scope = heap.openScope()) {
      HeapObject[] ring = {heap.allocate(2, 8), heap.allocate(2, 8), heap.allocate(2, 8)};
      for (int i = 0; i < ring.length; i++) {
        heap.setReference(ring[i], 0, ring[(i + 1) % ring.length]);
      }
      heap.setReference(ring[1], 1, live);
      HeapObject self = heap.allocate(1, 0);
      heap.setReference(self, 0, self);
      HeapObject first = heap.allocate(1, 0);
      HeapObject prev = first;
      for (int i = 1; i < 5; i++) {
        HeapObject next = heap.allocate(1, 0);
        heap.setReference(prev, 0, next);
        prev = next;
      }
      heap.setReference(prev, 0, first);
    }
    CycleReport report = heap.collector().detectCycles();
    assertEquals(3, report.cycles(), "the two rings and the self-cycle");
    assertEquals(9, report.objects());
    assertEquals(4, heap.objectCount(), "the live object and its chain");
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  @Test
  void referenceCounting_withoutCycleDetection_leavesCyclesButFreesAcyclicGarbage() {
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.ReferenceCounting(),
            GarbageCollectorConfig.builder().enableCycleDetection(false));
    twoCycles(heap);
    try (HeapScope scope = heap.openScope()) {
      HeapObject list = heap.allocate(1, 0);
      heap.setReference(list, 0, heap.allocate(0, 0));
    }
    heap.collector().forceCollection();
    assertEquals(3, heap.objectCount(), "the three cyclic objects stay, the list is freed");
    heap.close();
  }

  @Test
  void referenceCounting_freesAtZeroThroughAWorkList_evenForLongChains() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    HeapObject head = heap.allocate(1, 0);
    heap.addRoot(head);
    hangChain(heap, head, 200_000);
    heap.collector().forceCollection();
    assertEquals(200_001, heap.objectCount());
    heap.removeRoot(head);
    heap.collector().forceCollection();
    assertEquals(0, heap.objectCount());
    heap.close();
  }

  /**
   * Reference counting's defining promise: garbage whose count drops to zero is freed while the
   * program runs, without a collection, a few objects at each allocation (so no allocation pays for
   * a large structure at once); callbacks of those objects run before the allocation returns, and
   * the statistics count the frees.
   */
  @Test
  void referenceCounting_freesGarbagePromptly_aFewObjectsPerAllocation_withoutACollection() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    ReferenceCountingCollector rc = (ReferenceCountingCollector) heap.collector();
    HeapObject head = heap.allocate(1, 0);
    heap.addRoot(head);
    hangChain(heap, head, 99);
    int[] cleanups = {0};
    heap.onCollect(heap.getReference(head, 0), () -> cleanups[0]++);
    heap.onCollect(
        heap.getReference(head, 0),
        () -> {
          throw new IllegalStateException("a failing cleanup");
        });
    heap.setReference(head, 0, null); // the chain's 99 objects are garbage now
    assertEquals(100, heap.objectCount(), "nothing is freed inside the write itself");

    int per = ReferenceCountingCollector.FREES_PER_ALLOCATION;
    HeapObject keep = heap.allocate(0, 0);
    heap.addRoot(keep);
    assertEquals(1, cleanups[0], "the callback ran before the allocation that freed it returned");
    assertEquals(1, heap.callbackFailures(), "a failing one is counted; the allocation went on");
    assertEquals(100 + 1 - per, heap.objectCount(), "one allocation freed " + per + " objects");
    try (HeapScope scope = heap.openScope()) {
      for (int i = 0; i < 99 / per; i++) {
        heap.allocate(0, 0);
      }
    }
    // The chain is gone; the scope's births died with it, and wait for the next allocations.
    assertEquals(2 + 99 / per, heap.objectCount());
    assertEquals(99 / per, rc.deadCount());
    heap.addRoot(heap.allocate(0, 0));
    heap.addRoot(heap.allocate(0, 0));
    assertEquals(4, heap.objectCount(), "head, keep and the two just made");
    assertEquals(0, rc.deadCount());
    var stats = heap.collector().getCollectionStatistics();
    assertEquals(0, stats.collectionsPerGeneration().get(0), "no collection ran");
    assertTrue(stats.objectsFreed() >= 99, "prompt frees are counted: " + stats.objectsFreed());
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  /**
   * An object with no reference slots cannot be on a cycle, so a decrement that leaves it counted
   * does not buffer it as a cycle candidate; a garbage cycle that holds one still frees it.
   */
  @Test
  void referenceCounting_objectsWithoutSlots_areNeverCandidates_andDieWithTheCycleHoldingThem() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    ReferenceCountingCollector rc = (ReferenceCountingCollector) heap.collector();
    HeapObject holder = heap.allocate(1, 0);
    heap.addRoot(holder);
    int before = rc.candidateCount();
    for (int i = 0; i < 1_000; i++) {
      try (HeapScope scope = heap.openScope()) {
        heap.setReference(holder, 0, heap.allocate(0, 8));
      } // the leaf's count goes 2 -> 1
    }
    assertEquals(before, rc.candidateCount(), "no leaf was buffered");
    HeapObject leaf;
    try (HeapScope scope = heap.openScope()) {
      HeapObject x = heap.allocate(2, 0);
      HeapObject y = heap.allocate(1, 0);
      leaf = heap.allocate(0, 8);
      heap.setReference(x, 0, y);
      heap.setReference(y, 0, x);
      heap.setReference(x, 1, leaf);
    }
    heap.collector().forceCollection();
    assertFalse(leaf.isLive(), "freed with the cycle that held it");
    assertEquals(2, heap.objectCount(), "the holder and its last leaf");
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  /** What allocations leave of a large dead structure, a collection frees (or any later ones). */
  @Test
  void referenceCounting_largeDeadStructure_isFinishedByACollection() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    ReferenceCountingCollector rc = (ReferenceCountingCollector) heap.collector();
    HeapObject head = heap.allocate(1, 0);
    heap.addRoot(head);
    hangChain(heap, head, 10_000);
    heap.removeRoot(head);
    HeapObject kept = heap.allocate(0, 0);
    heap.addRoot(kept);
    assertTrue(rc.deadCount() > 0, "the chain waits for more allocations or a collection");
    assertTrue(heap.objectCount() > 10_000 - ReferenceCountingCollector.FREES_PER_ALLOCATION);
    heap.collector().forceCollection();
    assertEquals(1, heap.objectCount());
    assertEquals(0, rc.deadCount());
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  /**
   * Objects allocated in a scope leave the zero-count list as soon as their root hold counts them,
   * so a program that allocates in scopes does not make every collection walk its births; objects
   * that are never rooted stay on it, so a cycle that nothing ever counted from outside (no
   * decrement ever reports it) is still found.
   */
  @Test
  void referenceCounting_scopedBirthsLeaveTheZeroCountList_neverRootedCyclesAreStillFound() {
    OffHeapManagedHeap heap = referenceCountingHeap();
    ReferenceCountingCollector rc = (ReferenceCountingCollector) heap.collector();
    HeapObject kept = heap.allocate(1, 8);
    heap.addRoot(kept);
    hangChain(heap, kept, 1_000);
    assertEquals(0, rc.zeroCountSize(), "births that were rooted at once and are still held");
    // Born unrooted, counted only by each other: a garbage cycle from its first moment.
    HeapObject x = heap.allocate(1, 0);
    HeapObject y = heap.allocate(1, 0);
    heap.setReference(x, 0, y);
    heap.setReference(y, 0, x);
    heap.collector().forceCollection();
    assertFalse(x.isLive());
    assertFalse(y.isLive());
    assertEquals(1_001, heap.objectCount(), "kept and the chain it holds");
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  /**
   * When bounded collections never finish the zero-count list, cycle collection never runs; the
   * candidate buffer must still not grow with every candidate ever buffered (it once held the ids
   * of millions of freed objects and ran the JVM out of heap).
   */
  @Test
  void referenceCounting_candidateBuffer_staysBounded_whenCycleCollectionCannotRun() {
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.ReferenceCounting(),
            GarbageCollectorConfig.builder().maxPauseTime(Duration.ofNanos(100_000)));
    ReferenceCountingCollector rc = (ReferenceCountingCollector) heap.collector();
    HeapObject holder = heap.allocate(2, 0);
    heap.addRoot(holder);
    int maxBuffered = 0;
    for (int i = 0; i < 400_000; i++) {
      HeapObject child;
      try (HeapScope scope = heap.openScope()) {
        child = heap.allocate(0, 0);
        heap.setReference(holder, 0, child);
      } // count 2 -> 1: a cycle candidate
      heap.setReference(holder, 1, child); // back to 2 and black: no longer a candidate
      maxBuffered = Math.max(maxBuffered, rc.candidateCount());
    }
    assertTrue(maxBuffered < 300_000, "candidates buffered at most: " + maxBuffered);
    heap.collector().forceCollection();
    assertEquals(2, heap.objectCount(), "the holder and its last child");
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }
}
