package dev.omega.mem.gc;

import static dev.omega.mem.gc.TestHeaps.heap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lazy sweep the two incremental collectors share ({@link HeapAccess#beginSweep}), run through
 * each of them.
 */
class LazySweepTest {
  /**
   * Lazy sweeping (incremental, and generational's oldest generation): the pause that ends marking
   * frees nothing, garbage goes in later bounded steps, weak references to it clear at once, and an
   * object allocated while the sweep is pending is never taken for garbage.
   */
  @ParameterizedTest
  @ValueSource(strings = {"incremental", "generational"})
  void lazySweep_freesGarbageInSteps_clearsWeakRefsAtOnce_andSparesNewObjects(String name) {
    GarbageCollectorProvider provider =
        name.equals("incremental")
            ? new BuiltInCollectors.Incremental()
            : new BuiltInCollectors.Generational();
    // One generation: every threshold collection of the generational collector is of the oldest.
    OffHeapManagedHeap heap =
        heap(
            provider,
            GarbageCollectorConfig.builder()
                .generationalCount(1)
                .maxPauseTime(Duration.ofMillis(1)));
    HeapObject kept = heap.allocate(1, 8);
    kept.data().setLong(0, 41);
    heap.addRoot(kept);
    var weakToGarbage = heap.weakReference(heap.allocate(0, 8));
    for (int i = 0; i < 300_000; i++) {
      heap.allocate(1, 0);
    }
    long garbage = heap.objectCount() - 1;
    while (!heap.access().sweepPending(0)) {
      heap.collector().collect(CollectionCause.THRESHOLD);
    }
    assertEquals(null, weakToGarbage.get(), "cleared when the sweep began");
    assertTrue(heap.objectCount() > 1, "garbage is still waiting for its sweep steps");
    HeapObject bornDuringSweep = heap.allocate(0, 8);
    bornDuringSweep.data().setLong(0, 42);
    int steps = 0;
    while (heap.access().sweepPending(0)) {
      heap.collector().collect(CollectionCause.THRESHOLD);
      steps++;
    }
    assertTrue(steps > 1, "300,000 objects at a 0.5 ms budget take several steps: " + steps);
    assertTrue(bornDuringSweep.isLive(), "allocated after marking, so outside the sweep");
    assertEquals(42, bornDuringSweep.data().getLong(0));
    assertEquals(41, kept.data().getLong(0));
    assertEquals(2, heap.objectCount());
    assertEquals(garbage, heap.collector().getCollectionStatistics().objectsFreed());
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }
}
