package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code detectCycles} counts as members only the objects of garbage cycles (strongly connected
 * groups of garbage): acyclic garbage it frees on the way, whether apart or hanging off a cycle, is
 * no member. Each graph is built in one scope and nothing is allocated after it closes, so
 * reference counting still holds its acyclic garbage when detection starts rather than having freed
 * it at the next allocation.
 */
class CycleReportAccuracyTest {

  /** Bytes of an object with one reference slot and 8 payload bytes. */
  private static final long CELL = 8 + 8 + OffHeapManagedHeap.HEADER_BYTES;

  /** Every built-in collector, and reference counting in each fixed form of trial deletion. */
  static Stream<Named<GarbageCollectorProvider>> collectors() {
    return Stream.of(
        named("reference-counting", new BuiltInCollectors.ReferenceCounting()),
        named(
            "reference-counting, from candidates",
            ReferenceCountingOverTheHeapTest.fixed(
                ReferenceCountingCollector.TrialDeletion.FROM_CANDIDATES)),
        named(
            "reference-counting, over the heap",
            ReferenceCountingOverTheHeapTest.fixed(
                ReferenceCountingCollector.TrialDeletion.OVER_THE_HEAP)),
        named("mark-sweep", new BuiltInCollectors.MarkSweep()),
        named("generational", new BuiltInCollectors.Generational()),
        named("incremental", new BuiltInCollectors.Incremental()));
  }

  private static OffHeapManagedHeap heap(GarbageCollectorProvider provider) {
    return new OffHeapManagedHeap(
        GarbageCollectorConfig.builder().collectionStrategy(provider.name()).build(),
        new ArrayMemoryManager(64L << 20),
        provider);
  }

  /** Two new one-slot objects that reference each other. */
  private static HeapObject[] twoCycle(OffHeapManagedHeap heap) {
    HeapObject a = heap.allocate(1, 8);
    HeapObject b = heap.allocate(1, 8);
    heap.setReference(a, 0, b);
    heap.setReference(b, 0, a);
    return new HeapObject[] {a, b};
  }

  @ParameterizedTest
  @MethodSource("collectors")
  void detectCycles_hundredTwoCyclesAndAnAcyclicPair_reportsOnlyTheCyclesMembers(
      GarbageCollectorProvider collector) {
    try (OffHeapManagedHeap heap = heap(collector)) {
      HeapObject live;
      HeapObject x;
      try (HeapScope scope = heap.openScope()) {
        // A rooted cycle is no garbage: neither counted nor freed.
        live = twoCycle(heap)[0];
        heap.addRoot(live);
        for (int i = 0; i < 100; i++) {
          twoCycle(heap);
        }
        x = heap.allocate(1, 8);
        heap.setReference(x, 0, heap.allocate(1, 8));
      }

      CycleReport report = heap.collector().detectCycles();

      assertEquals(100, report.cycles());
      assertEquals(200, report.objects(), "the pair x -> y is garbage, not a cycle member");
      assertEquals(200 * CELL, report.bytes());
      assertFalse(x.isLive(), "acyclic garbage is still freed");
      assertEquals(2, heap.objectCount(), "the rooted cycle");
      assertTrue(live.isLive());
      assertEquals(100, heap.collector().getCollectionStatistics().cyclesFound());
      assertEquals(List.of(), heap.verifyIntegrity());
    }
  }

  @ParameterizedTest
  @MethodSource("collectors")
  void detectCycles_selfReference_reportsOneCycleOfOneMember(GarbageCollectorProvider collector) {
    try (OffHeapManagedHeap heap = heap(collector)) {
      HeapObject self;
      try (HeapScope scope = heap.openScope()) {
        self = heap.allocate(1, 8);
        heap.setReference(self, 0, self);
      }

      CycleReport report = heap.collector().detectCycles();

      assertEquals(1, report.cycles());
      assertEquals(1, report.objects());
      assertEquals(CELL, report.bytes());
      assertFalse(self.isLive());
      assertEquals(0, heap.objectCount());
    }
  }

  /**
   * A 3-cycle with a tail of two objects hanging off it (one with a slot, so reference counting
   * buffers it as a candidate, and a leaf), and a garbage object pointing into it from outside.
   */
  @ParameterizedTest
  @MethodSource("collectors")
  void detectCycles_cycleWithAcyclicTailAndHead_reportsOnlyTheCycleAsMembers(
      GarbageCollectorProvider collector) {
    try (OffHeapManagedHeap heap = heap(collector)) {
      HeapObject tail;
      try (HeapScope scope = heap.openScope()) {
        HeapObject[] ring = {heap.allocate(2, 8), heap.allocate(1, 8), heap.allocate(1, 8)};
        for (int i = 0; i < ring.length; i++) {
          heap.setReference(ring[i], 0, ring[(i + 1) % ring.length]);
        }
        tail = heap.allocate(1, 24);
        heap.setReference(ring[0], 1, tail);
        heap.setReference(tail, 0, heap.allocate(0, 24 + 8));
        HeapObject head = heap.allocate(1, 24);
        heap.setReference(head, 0, ring[1]);
      }

      CycleReport report = heap.collector().detectCycles();

      assertEquals(1, report.cycles());
      assertEquals(3, report.objects(), "the tail and the head are garbage, not members");
      assertEquals(3 * CELL + 8, report.bytes(), "the first ring object has two slots");
      assertFalse(tail.isLive(), "the tail is freed with the cycle");
      assertEquals(0, heap.objectCount());
      assertEquals(List.of(), heap.verifyIntegrity());
    }
  }
}
