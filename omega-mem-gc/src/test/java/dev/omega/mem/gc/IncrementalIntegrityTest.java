package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checks {@code incremental} runs after every contract test, in each phase of a cycle: each
 * passes on the states the collector leaves, and each reports the state a broken barrier, marker or
 * sweep would leave, made here by hand. Also the heap's check of a pending lazy sweep's range,
 * which this collector's sweeps exercise.
 */
class IncrementalIntegrityTest {
  private final OffHeapManagedHeap heap =
      new OffHeapManagedHeap(
          GarbageCollectorConfig.builder().collectionStrategy(IncrementalCollector.NAME).build(),
          new ArrayMemoryManager(16L << 20),
          new BuiltInCollectors.Incremental());
  private final IncrementalCollector gc = (IncrementalCollector) heap.collector();

  @AfterEach
  void closeHeap() {
    heap.close();
  }

  private static long id(HeapObject object) {
    return ((HeapRef) object).id;
  }

  private static int slot(HeapObject object) {
    return OffHeapManagedHeap.tableSlotOf(object);
  }

  /** A global root holding, in slot 0, an object nothing else holds. */
  private HeapObject rootWithChild() {
    HeapObject root = heap.allocate(1, 8);
    heap.addRoot(root);
    heap.setReference(root, 0, heap.allocate(0, 8));
    return root;
  }

  /** Starts a cycle: one pause that shades the roots, and no marking step yet. */
  private void startMarking() {
    gc.collect(CollectionCause.BACKGROUND);
    assertTrue(gc.isMarking());
  }

  /** Marks the small heap to the end, which begins the lazy sweep, and sweeps nothing yet. */
  private void markToTheLazySweep() {
    startMarking();
    gc.collect(CollectionCause.BACKGROUND);
    assertTrue(gc.isSweeping() && heap.access().sweepPending(0));
  }

  @Test
  void verifyIntegrity_inEveryPhaseWithMutatorsBetweenSteps_findsNothing() {
    HeapObject root = rootWithChild();
    HeapObject other = heap.allocate(2, 8);
    heap.addRoot(other);
    HeapObject held = heap.allocate(0, 8);
    heap.setReference(other, 0, held);
    heap.setReference(other, 1, heap.allocate(0, 8)); // a second child, so a scan must take both
    heap.allocate(0, 8); // garbage
    assertEquals(List.of(), heap.verifyIntegrity(), "idle, before any cycle");

    startMarking();
    assertEquals(List.of(), heap.verifyIntegrity(), "roots grey");
    try (HeapScope scope = heap.openScope()) {
      HeapObject born = heap.allocate(1, 8); // black at birth
      // The child moves from a grey root to the black newcomer: the barrier shades it.
      heap.setReference(born, 0, heap.getReference(root, 0));
      heap.setReference(root, 0, null);
      heap.addRoot(held); // a new root: shaded too
      heap.addRoot(born);
    }
    assertEquals(List.of(), heap.verifyIntegrity(), "after the moves");

    gc.collect(CollectionCause.BACKGROUND);
    assertTrue(gc.isSweeping() && heap.access().sweepPending(0));
    assertEquals(List.of(), heap.verifyIntegrity(), "marked, sweep pending");
    try (HeapScope scope = heap.openScope()) {
      heap.setReference(root, 0, heap.allocate(0, 8)); // born while sweeping: marked too
    }
    assertEquals(List.of(), heap.verifyIntegrity(), "after allocating while sweeping");

    gc.forceCollection();
    assertEquals(List.of(), heap.verifyIntegrity(), "idle after the cycle");
  }

  @Test
  void verifyIntegrity_withAnUnmarkedGreyEntry_reportsTheEntry() {
    rootWithChild();
    long garbage = id(heap.allocate(0, 8));
    startMarking();
    gc.greyStack().push(garbage); // as a shade that pushed without marking

    assertEquals(
        List.of(
            "1 grey entries are freed or do not carry the cycle's mark (1), the first: object "
                + garbage),
        heap.verifyIntegrity());
    gc.greyStack().pop();
  }

  @Test
  void verifyIntegrity_withAWhiteRootWhileMarking_reportsTheRoot() {
    HeapObject root = heap.allocate(0, 8);
    heap.addRoot(root);
    startMarking();
    // As a cycle that never shaded the root (a root hold the barrier missed).
    gc.greyStack().clear();
    heap.stopTheWorld(() -> heap.access().setMark(id(root), 0));

    assertEquals(
        List.of("1 root holds are on white objects while marking, the first: object " + id(root)),
        heap.verifyIntegrity());
  }

  @Test
  void verifyIntegrity_withABlackObjectPointingToAWhiteOne_reportsTheReference() {
    HeapObject root = rootWithChild();
    long child = id(heap.getReference(root, 0));
    startMarking();
    long popped = gc.greyStack().pop(); // as a scan that forgot the object's children
    assertEquals(id(root), popped);

    assertEquals(
        List.of(
            "1 references go from a black object to a white one while marking, the first: object "
                + id(root)
                + " slot 0 to object "
                + child),
        heap.verifyIntegrity());
    gc.greyStack().push(popped);
  }

  @Test
  void verifyIntegrity_withAReachableObjectUnmarkedDuringTheLazySweep_reportsTheObject() {
    HeapObject root = rootWithChild();
    heap.allocate(0, 8); // garbage, so that the sweep has work
    markToTheLazySweep();
    long child = id(heap.getReference(root, 0));
    int epoch = heap.access().mark(child);
    heap.stopTheWorld(
        () -> heap.access().setMark(child, 0)); // as marking that missed it: it would be freed

    assertEquals(
        List.of(
            "1 reachable objects lack the cycle's mark (1) while its lazy sweep is pending, the"
                + " first: object "
                + child),
        heap.verifyIntegrity());
    heap.stopTheWorld(() -> heap.access().setMark(child, epoch));
  }

  @Test
  void verifyIntegrity_withALazySweepPendingOutsideACycle_reportsTheGeneration() {
    rootWithChild();
    heap.stopTheWorld(() -> heap.access().beginSweep(0, 0)); // a sweep the collector did not begin

    assertEquals(
        List.of("a lazy sweep of generation 0 is pending but the collector is not sweeping"),
        heap.verifyIntegrity());
    heap.stopTheWorld(
        () -> {
          while (heap.access().sweepPending(0)) {
            heap.access().sweepSome(0, 100);
          }
        });
  }

  @Test
  void verifyIntegrity_withAMarkFromNoCycleBetweenCycles_reportsTheObject() {
    HeapObject root = rootWithChild();
    gc.forceCollection();
    heap.stopTheWorld(
        () -> heap.access().setMark(id(root), 9)); // as a sweep that skipped it would leave

    assertEquals(
        List.of(
            "1 objects carry a mark that is neither the last collection's (1) nor a new object's"
                + " (0), the first: object "
                + id(root)
                + " with mark 9"),
        heap.verifyIntegrity());
  }

  /**
   * Objects in allocation order, so generation 0's list is {@code newest, garbage, child, root}.
   */
  private record SweepScene(HeapObject root, HeapObject newest) {}

  private SweepScene sweepScene() {
    HeapObject root = rootWithChild();
    heap.allocate(0, 8); // garbage
    HeapObject newest = heap.allocate(0, 8);
    heap.addRoot(newest);
    markToTheLazySweep(); // cursor at the tail (root), fence at the head (newest)
    return new SweepScene(root, newest);
  }

  @Test
  void verifyIntegrity_afterTheSweepFencesObjectIsFreedMidSweep_findsNothing() {
    SweepScene scene = sweepScene();
    heap.removeRoot(scene.newest());
    // Freed by other means than the sweep: unlink must move the fence on to the next object.
    heap.stopTheWorld(() -> heap.access().free(id(scene.newest())));

    assertEquals(List.of(), heap.verifyIntegrity());
    while (heap.access().sweepPending(0)) {
      gc.collect(CollectionCause.BACKGROUND);
    }
    assertEquals(2, heap.objectCount(), "the root and its child");
  }

  @Test
  void verifyIntegrity_withTheLazySweepCursorOnAFreedSlot_reportsTheCursor() {
    SweepScene scene = sweepScene();
    HeapObject freed = heap.allocate(0, 8);
    heap.stopTheWorld(() -> heap.access().free(id(freed)));
    // As an unlink that freed the cursor's object without moving the cursor on.
    heap.setLazySweepRange(0, slot(freed), slot(scene.newest()));

    assertEquals(
        List.of(
            "the lazy sweep of generation 0 has its cursor at slot "
                + slot(freed)
                + ", which is not on that generation's list"),
        heap.verifyIntegrity());
    heap.setLazySweepRange(0, slot(scene.root()), slot(scene.newest()));
  }

  @Test
  void verifyIntegrity_withTheLazySweepFenceOnAFreedSlot_reportsTheFence() {
    SweepScene scene = sweepScene();
    HeapObject freed = heap.allocate(0, 8);
    heap.stopTheWorld(() -> heap.access().free(id(freed)));
    // As an unlink that freed the fence's object without moving the fence on.
    heap.setLazySweepRange(0, slot(scene.root()), slot(freed));

    assertEquals(
        List.of(
            "the lazy sweep of generation 0 has its fence at slot "
                + slot(freed)
                + ", which is not on that generation's list"),
        heap.verifyIntegrity());
    heap.setLazySweepRange(0, slot(scene.root()), slot(scene.newest()));
  }

  @Test
  void verifyIntegrity_withTheLazySweepFencePastItsCursor_reportsTheRange() {
    SweepScene scene = sweepScene();
    heap.setLazySweepRange(0, slot(scene.newest()), slot(scene.root())); // ends swapped

    assertEquals(
        List.of(
            "the lazy sweep of generation 0 has its fence (slot "
                + slot(scene.root())
                + ") past its cursor (slot "
                + slot(scene.newest())
                + "), so it would run beyond the objects it began with"),
        heap.verifyIntegrity());
    heap.setLazySweepRange(0, slot(scene.root()), slot(scene.newest()));
  }
}
