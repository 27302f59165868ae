package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checks {@code mark-sweep} runs after every contract test: each passes on the states the
 * collector leaves, and each reports the state a broken collector would leave, made here by hand.
 */
class MarkSweepIntegrityTest {
  private final OffHeapManagedHeap heap =
      new OffHeapManagedHeap(
          GarbageCollectorConfig.builder().collectionStrategy(MarkSweepCollector.NAME).build(),
          new ArrayMemoryManager(16L << 20),
          new BuiltInCollectors.MarkSweep());
  private final MarkSweepCollector gc = (MarkSweepCollector) heap.collector();

  @AfterEach
  void closeHeap() {
    heap.close();
  }

  private static long id(HeapObject object) {
    return ((HeapRef) object).id;
  }

  /** A global root holding, in slot 0, an object nothing else holds. */
  private HeapObject rootWithChild() {
    HeapObject root = heap.allocate(1, 8);
    heap.addRoot(root);
    heap.setReference(root, 0, heap.allocate(0, 8));
    return root;
  }

  @Test
  void verifyIntegrity_afterACollectionAndOnlyNewReferences_findsNothing() {
    HeapObject root = rootWithChild();
    heap.allocate(1, 8); // garbage
    gc.forceCollection();
    assertEquals(List.of(), heap.verifyIntegrity(), "right after the collection");
    HeapObject added = heap.allocate(1, 0);
    heap.addRoot(added);
    heap.setReference(added, 0, root);
    heap.allocate(0, 0); // unreachable, but born unmarked
    assertEquals(List.of(), heap.verifyIntegrity(), "after the graph only grew");
  }

  @Test
  void verifyIntegrity_withFloatingGarbageFromDroppedReferencesAndScopes_findsNothing() {
    HeapObject root = rootWithChild();
    HeapObject scoped;
    try (HeapScope scope = heap.openScope()) {
      scoped = heap.allocate(0, 8);
      gc.forceCollection();
    }
    heap.setReference(root, 0, null);
    // Both are marked and unreachable: garbage the next collection frees, not a broken mark.
    assertEquals(List.of(), heap.verifyIntegrity());
    gc.forceCollection();
    assertFalse(scoped.isLive());
    assertEquals(List.of(), heap.verifyIntegrity());
  }

  @Test
  void verifyIntegrity_withWorkLeftOnTheMarkStack_reportsTheStack() {
    HeapObject root = rootWithChild();
    gc.forceCollection();
    gc.markStack().push(id(root)); // as a marker that stopped before its stack was empty

    assertEquals(
        List.of("1 objects are left on the mark stack between collections"),
        heap.verifyIntegrity());
    gc.markStack().clear();
  }

  @Test
  void verifyIntegrity_withAMarkFromNoCollection_reportsTheObject() {
    HeapObject root = rootWithChild();
    gc.forceCollection();
    long child = id(heap.getReference(root, 0));
    heap.stopTheWorld(
        () -> heap.access().setMark(child, 7)); // as a sweep that skipped it would leave

    assertEquals(
        List.of(
            "1 objects carry a mark that is neither the last collection's (1) nor a new object's"
                + " (0), the first: object "
                + child
                + " with mark 7"),
        heap.verifyIntegrity());
  }

  @Test
  void verifyIntegrity_withAMarkedObjectNoRootReachesAndNothingDropped_reportsTheObject() {
    HeapObject root = rootWithChild();
    gc.forceCollection();
    long unreached = id(heap.allocate(0, 8));
    int epoch = heap.access().mark(id(root));
    heap.stopTheWorld(
        () -> heap.access().setMark(unreached, epoch)); // as a marker that over-marked

    assertEquals(
        List.of(
            "1 objects carry the last collection's mark but no root reaches them, though no"
                + " reference or root hold has been dropped since; the first: object "
                + unreached),
        heap.verifyIntegrity());
  }
}
