package dev.omega.mem.gc;

import static dev.omega.mem.gc.TestHeaps.heap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code generational} does beyond the shared contract. */
class GenerationalSpecificsTest {
  /**
   * Three generations, 1 ms pauses, and a young threshold allocation never reaches: the test's
   * collect calls drive every collection.
   */
  private static OffHeapManagedHeap generationalDrivenByTest() {
    return heap(
        new BuiltInCollectors.Generational(),
        GarbageCollectorConfig.builder()
            .generationalCount(3)
            .youngGenerationThreshold(1_000_000_000)
            .maxPauseTime(Duration.ofMillis(1)));
  }

  @Test
  void generational_youngCollection_keepsYoungObjectsReachableOnlyFromOld() {
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.Generational(),
            GarbageCollectorConfig.builder().generationalCount(3));
    GenerationalCollector gc = (GenerationalCollector) heap.collector();
    HeapObject old = heap.allocate(1, 0);
    heap.addRoot(old);
    heap.collector().forceCollection();
    heap.collector().forceCollection();
    assertEquals(2, old.generation());
    HeapObject young;
    try (HeapScope scope = heap.openScope()) {
      young = heap.allocate(0, 8);
      young.data().setLong(0, 77);
      heap.setReference(old, 0, young);
      heap.allocate(0, 8);
    }
    assertEquals(1, gc.rememberedSetSize());
    heap.stopTheWorld(() -> gc.collectUpTo(0, false));
    assertTrue(young.isLive());
    assertEquals(77, young.data().getLong(0));
    assertEquals(1, young.generation(), "survivor promoted");
    assertEquals(2, heap.objectCount(), "the unreferenced young object was collected");
    heap.close();
  }

  @Test
  void generational_thresholdCollections_areYoungAndPromote() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.Generational(), GarbageCollectorConfig.builder());
    HeapObject root = heap.allocate(10_000, 0);
    heap.addRoot(root);
    for (int i = 0; i < 3 * 10_000; i++) {
      HeapObject o = heap.allocate(0, 0);
      if (i % 3 == 0) {
        heap.setReference(root, i / 3, o);
      }
    }
    var stats = heap.collector().getCollectionStatistics();
    assertTrue(stats.collectionsPerGeneration().get(0) >= 2, stats.toString());
    assertTrue(stats.objectsPromoted() > 0);
    assertTrue(stats.objectsFreed() > 10_000);
    heap.close();
  }

  /**
   * A threshold full collection of the generational collector marks incrementally: several marking
   * steps, a reference moved between them stays alive (insertion barrier), objects born meanwhile
   * survive, garbage goes, and the remembered set stays complete.
   */
  @Test
  void generational_thresholdFullCollection_marksInSteps_andTheBarrierKeepsMovedReferencesAlive() {
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.Generational(),
            GarbageCollectorConfig.builder()
                .generationalCount(3)
                .maxPauseTime(Duration.ofMillis(1)));
    GenerationalCollector gc = (GenerationalCollector) heap.collector();
    List<CollectionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    BarrierScene scene = BarrierScene.build(heap);
    HeapObject a = scene.a();
    HeapObject b = scene.b();
    HeapObject hidden = scene.hidden();
    for (int i = 0; i < 50_000; i++) {
      heap.allocate(0, 0); // garbage for the full collection to find
    }
    int young = 0;
    gc.addCollectionListener(events::add);
    while (!gc.isMarkingOldGeneration()) {
      gc.collect(CollectionCause.THRESHOLD);
      assertTrue(++young < 500, "a threshold collection of the oldest generation came");
    }
    // The step that began marking the oldest generation names it, though it finished nothing.
    assertEquals(2, events.getLast().generation(), events.getLast().toString());
    events.clear();
    heap.setReference(a, 0, hidden);
    heap.setReference(b, 0, null);
    HeapObject born;
    try (HeapScope scope = heap.openScope()) {
      born = heap.allocate(0, 8);
      born.data().setLong(0, 6);
      // Between marking steps, `hidden` moves again: into a new object that `a` then holds.
      HeapObject pair = heap.allocate(2, 0);
      heap.setReference(pair, 0, hidden);
      heap.setReference(pair, 1, born);
      heap.setReference(a, 0, pair);
    }
    BarrierScene.stepThrough(
        () -> gc.isMarkingOldGeneration() || heap.access().sweepPending(2),
        () -> gc.collect(CollectionCause.THRESHOLD));
    assertTrue(events.size() >= 2, "marking and sweeping took steps: " + events.size());
    for (CollectionEvent step : events) {
      assertEquals(2, step.generation(), "every step of it names the oldest generation: " + step);
    }
    scene.assertHiddenKept();
    assertTrue(born.isLive());
    assertEquals(6, born.data().getLong(0));
    assertTrue(gc.getCollectionStatistics().collectionsPerGeneration().get(2) >= 1);
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.collector().forceCollection();
    // roots a, b, big; the 300,000-object chain; pair, hidden, born
    assertEquals(3 + 300_000 + 3, heap.objectCount());
    heap.close();
  }

  /**
   * A threshold collection of generations 0..1 (of 3) also marks in steps: a reference moved
   * between steps into an object of the oldest generation (so only the barrier and the remembered
   * set can keep it) stays alive, the oldest generation is left alone, and the books stay right.
   */
  @Test
  void generational_thresholdCollectionOfGenerationOne_marksInSteps_andLeavesTheOldestAlone() {
    OffHeapManagedHeap heap = generationalDrivenByTest();
    GenerationalCollector gc = (GenerationalCollector) heap.collector();
    HeapObject old = heap.allocate(1, 0);
    heap.addRoot(old);
    HeapObject oldGarbage = heap.allocate(0, 0);
    heap.addRoot(oldGarbage);
    int rounds = 0;
    while (old.generation() < 2 || gc.isMarking() || heap.access().sweepPending(2)) {
      gc.collect(CollectionCause.THRESHOLD);
      assertTrue(++rounds < 1_000, "old reached the oldest generation");
    }
    heap.removeRoot(oldGarbage); // garbage in generation 2: not this collection's to free
    BarrierScene scene = BarrierScene.build(heap);
    HeapObject b = scene.b();
    HeapObject hidden = scene.hidden();
    while (!gc.isMarking()) {
      gc.collect(CollectionCause.THRESHOLD);
      assertTrue(++rounds < 2_000, "a threshold collection of generation 1 came");
    }
    assertFalse(gc.isMarkingOldGeneration(), "generations 0..1 only");
    assertEquals(1, hidden.generation());
    heap.setReference(old, 0, hidden);
    heap.setReference(b, 0, null);
    HeapObject born;
    try (HeapScope scope = heap.openScope()) {
      born = heap.allocate(0, 8);
      born.data().setLong(0, 6);
      heap.addRoot(born);
    }
    BarrierScene.stepThrough(
        () -> gc.isMarking() || gc.isPromoting(), () -> gc.collect(CollectionCause.THRESHOLD));
    scene.assertHiddenKept();
    assertTrue(born.isLive());
    assertEquals(6, born.data().getLong(0));
    assertTrue(oldGarbage.isLive(), "generation 2 is not collected by a collection up to 1");
    assertEquals(2, hidden.generation(), "promoted");
    assertTrue(gc.getCollectionStatistics().collectionsPerGeneration().get(1) >= 1);
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.collector().forceCollection();
    assertFalse(oldGarbage.isLive());
    heap.close();
  }

  /**
   * An incremental collection's survivors are promoted by later bounded steps, not in the pause
   * that ends marking. A reference written meanwhile from a survivor still waiting in generation 0
   * to a new object is old-to-young once the survivor has moved: the barrier must remember it, or
   * the next young collection frees the new object while it is still referenced.
   */
  @Test
  void generational_lazyPromotion_remembersReferencesWrittenFromSurvivorsStillWaitingToMove() {
    OffHeapManagedHeap heap = generationalDrivenByTest();
    GenerationalCollector gc = (GenerationalCollector) heap.collector();
    BarrierScene.build(heap);
    int rounds = 0;
    while (!gc.isMarking()) {
      gc.collect(CollectionCause.THRESHOLD);
      assertTrue(++rounds < 2_000, "a threshold collection of generation 1 came");
    }
    HeapObject waiting = heap.allocate(1, 0);
    heap.addRoot(waiting);
    while (gc.isMarking()) {
      gc.collect(CollectionCause.THRESHOLD);
    }
    // No sweep step has run since the pause that ended marking: every survivor is still waiting.
    assertTrue(gc.isPromoting(), "the pause that ended marking moved no survivor");
    assertEquals(0, waiting.generation());
    HeapObject young;
    try (HeapScope scope = heap.openScope()) {
      young = heap.allocate(0, 8);
      young.data().setLong(0, 7);
      heap.setReference(waiting, 0, young);
    }
    BarrierScene.stepThrough(gc::isPromoting, () -> gc.collect(CollectionCause.THRESHOLD));
    assertEquals(1, waiting.generation(), "promoted");
    assertEquals(0, young.generation());
    long youngBefore = gc.getCollectionStatistics().collectionsPerGeneration().get(0);
    gc.collect(CollectionCause.THRESHOLD);
    assertTrue(gc.getCollectionStatistics().collectionsPerGeneration().get(0) > youngBefore);
    assertTrue(young.isLive(), "reachable from a promoted survivor through the remembered set");
    assertEquals(7, young.data().getLong(0));
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }
}
