package dev.omega.mem.gc;

import static dev.omega.mem.gc.StateGraphs.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.gc.StateGraphs.Graph;
import dev.omega.mem.gc.StateGraphs.Node;
import dev.omega.mem.spi.GarbageCollectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link OffHeapManagedHeap#digest()}: equal for heaps that hold the same graph however it was
 * built and collected, different for any change of a byte, a reference, a root or a hold.
 */
class HeapDigestTest {

  /**
   * Root 0 (held twice) is a cycle a → b → c → a with payloads; root 1, d, shares c with the cycle
   * and points at itself; e hangs under b and c both (a diamond).
   */
  private static final Graph SAMPLE =
      new Graph(
          List.of(
              new Node(bytes(1, 2, 3), new int[] {1, -1}), // a
              new Node(bytes(), new int[] {2, 4}), // b
              new Node(bytes(9), new int[] {0, 4, -1}), // c
              new Node(bytes(7, 7, 7, 7, 7, 7, 7, 7, 7, 7), new int[] {2, 3}), // d
              new Node(bytes(5), new int[] {})), // e
          List.of(new int[] {0, 2}, new int[] {3, 1}));

  private static StateDigest digestOf(GarbageCollectorProvider collector, Graph graph, long seed) {
    try (OffHeapManagedHeap heap = StateGraphs.heap(collector)) {
      StateGraphs.build(heap, graph, seed);
      return heap.digest();
    }
  }

  private static StateDigest digestOf(Graph graph) {
    return digestOf(new BuiltInCollectors.MarkSweep(), graph, 1);
  }

  @Test
  void digest_ofOneGraphBuiltInDifferentOrdersOnEveryCollector_isTheSame() {
    StateDigest first = digestOf(SAMPLE);
    long seed = 2;
    for (GarbageCollectorProvider collector : StateGraphs.collectors()) {
      for (int build = 0; build < 3; build++) {
        assertEquals(
            first, digestOf(collector, SAMPLE, seed++), collector.name() + ", build " + build);
      }
    }
    assertEquals(5, first.objects());
  }

  @Test
  void digest_ofAFixedGraph_isTheSha256OfItsDocumentedEncoding() {
    // n=5, r=2; roots (0, 2) and (1, 1); then a, d, b, c, e in breadth-first order:
    // a = 0, d = 1 (the roots), then a's slot 0 meets b = 2, b meets c = 3 and e = 4.
    byte[] body =
        bytes(
            5, 2, 0, 2, 1, 1, // counts, roots
            2, 3, 3, 0, 1, 2, 3, // a: 2 slots, 3 bytes, -> b, null, payload
            2, 10, 4, 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // d: -> c, -> d
            2, 0, 4, 5, // b: -> c, -> e
            3, 1, 1, 5, 0, 9, // c: -> a, -> e, null, payload
            0, 1, 5); // e
    assertArrayEquals(SnapshotFormat.sha256().digest(body), digestOf(SAMPLE).sha256());
  }

  @Test
  void digest_ofAnEmptyHeap_isTheSha256OfTwoZeroCounts() {
    try (OffHeapManagedHeap heap = StateGraphs.heap(new BuiltInCollectors.Generational())) {
      heap.allocate(2, 8); // garbage: not part of the state
      assertEquals(new StateDigest(SnapshotFormat.sha256().digest(bytes(0, 0)), 0), heap.digest());
    }
  }

  @Test
  void digest_afterOnePayloadByteChanges_differs() {
    StateDigest before = digestOf(SAMPLE);
    for (int node : new int[] {0, 2, 3, 4}) {
      assertNotEquals(before, digestOf(SAMPLE.withPayloadByteFlipped(node, 0)), "node " + node);
    }
    assertNotEquals(before, digestOf(SAMPLE.withPayloadByteFlipped(3, 9)), "last byte of d");
  }

  @Test
  void digest_afterOneReferenceChanges_differs() {
    StateDigest before = digestOf(SAMPLE);
    assertNotEquals(before, digestOf(SAMPLE.withRef(0, 1, 4)), "a null slot set");
    assertNotEquals(before, digestOf(SAMPLE.withRef(2, 1, -1)), "a slot cleared");
    assertNotEquals(before, digestOf(SAMPLE.withRef(3, 1, 0)), "a slot retargeted");
    assertNotEquals(before, digestOf(SAMPLE.withRef(1, 0, 4)), "b's slot swapped with its other");
  }

  @Test
  void digest_afterTheRootOrderChanges_differs() {
    assertNotEquals(
        digestOf(SAMPLE), digestOf(SAMPLE.withRoots(List.of(new int[] {3, 1}, new int[] {0, 2}))));
  }

  @Test
  void digest_afterARootHoldCountChanges_differs() {
    assertNotEquals(
        digestOf(SAMPLE), digestOf(SAMPLE.withRoots(List.of(new int[] {0, 1}, new int[] {3, 1}))));
  }

  @Test
  void digest_ofASharedObject_differsFromTwoEqualCopies() {
    Function<Boolean, Graph> graph =
        shared ->
            new Graph(
                List.of(
                    new Node(bytes(), new int[] {1, shared ? 1 : 2}),
                    new Node(bytes(4), new int[] {}),
                    new Node(bytes(4), new int[] {})),
                List.<int[]>of(new int[] {0, 1}));
    StateDigest shared = digestOf(graph.apply(true));
    StateDigest copies = digestOf(graph.apply(false));
    assertEquals(2, shared.objects());
    assertEquals(3, copies.objects());
    assertNotEquals(shared, copies);
  }

  @Test
  void digest_ofALongCycle_countsEachObjectOnce() {
    List<Node> ring = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ring.add(new Node(bytes(i & 0xFF), new int[] {(i + 1) % 1000}));
    }
    Graph graph = new Graph(ring, List.<int[]>of(new int[] {500, 1}));
    StateDigest once = digestOf(graph);
    assertEquals(1000, once.objects());
    assertEquals(once, digestOf(new BuiltInCollectors.ReferenceCounting(), graph, 9));
  }

  @Test
  void digest_ignoresScopesGarbageAndRootsRemovedAgain() {
    for (GarbageCollectorProvider collector : StateGraphs.collectors()) {
      try (OffHeapManagedHeap heap = StateGraphs.heap(collector)) {
        StateGraphs.build(heap, SAMPLE, 3);
        StateDigest before = heap.digest();
        HeapRefs refs = heap.refs();
        try (HeapScope scope = heap.openScope()) {
          HeapObject scoped = heap.allocate(1, 4);
          long rootedOnce = refs.allocate(0, 0);
          refs.addRoot(rootedOnce);
          refs.removeRoot(rootedOnce);
          assertEquals(before, heap.digest(), collector.name() + ", in the scope");
          heap.setReference(scoped, 0, scoped);
        }
        assertEquals(before, heap.digest(), collector.name() + ", after it");
      }
    }
  }

  @Test
  void digest_whenARootIsRemovedAndAddedAgain_listsItLast() {
    try (OffHeapManagedHeap heap = StateGraphs.heap(new BuiltInCollectors.Incremental())) {
      long[] ids = StateGraphs.build(heap, SAMPLE, 4);
      HeapRefs refs = heap.refs();
      int scope = refs.enterScope();
      refs.removeRoot(ids[0]);
      refs.removeRoot(ids[0]);
      refs.addRoot(ids[0]);
      refs.addRoot(ids[0]);
      refs.exitScope(scope);
      assertEquals(
          digestOf(SAMPLE.withRoots(List.of(new int[] {3, 1}, new int[] {0, 2}))), heap.digest());
    }
  }
}
