package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each collector does beyond the shared contract. */
class CollectorSpecificsTest {

  private static OffHeapManagedHeap heap(
      GarbageCollectorProvider provider, GarbageCollectorConfig.Builder config) {
    return new OffHeapManagedHeap(
        config.collectionStrategy(provider.name()).build(),
        new ArrayMemoryManager(64L << 20),
        provider);
  }

  /** A heap on reference counting with the default configuration. */
  private static OffHeapManagedHeap referenceCountingHeap() {
    return heap(new BuiltInCollectors.ReferenceCounting(), GarbageCollectorConfig.builder());
  }

  /**
   * Hangs a chain of {@code length} new one-slot objects from slot 0 of {@code head}, each
   * allocated in a scope (so rooted at birth) and held only by its predecessor once it closes.
   */
  private static void hangChain(OffHeapManagedHeap heap, HeapObject head, int length) {
    try (HeapScope scope = heap.openScope()) {
      HeapObject prev = head;
      for (int i = 0; i < length; i++) {
        HeapObject next = heap.allocate(1, 0);
        heap.setReference(prev, 0, next);
        prev = next;
      }
    }
  }

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

  /**
   * The bulk read of an object's children skips nulls and ids of freed objects, and copies nothing
   * when the buffer is short, saying how many slots it needs.
   */
  @Test
  void references_copiesLiveChildrenInSlotOrder_andAsksForRoomWhenTheBufferIsShort() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    HeapObject parent = heap.allocate(4, 0);
    heap.addRoot(parent);
    HeapObject first = heap.allocate(0, 0);
    HeapObject gone = heap.allocate(0, 0);
    HeapObject last = heap.allocate(0, 0);
    heap.setReference(parent, 0, first);
    heap.setReference(parent, 2, gone);
    heap.setReference(parent, 3, last);
    long parentId = ((HeapRef) parent).id;
    heap.stopTheWorld(() -> heap.access().free(((HeapRef) gone).id)); // as a buggy collector might
    long[] into = {-1, -1, -1, -1, -1, -1};
    assertEquals(2, heap.access().references(parentId, into, 1));
    assertEquals(((HeapRef) first).id, into[1]);
    assertEquals(((HeapRef) last).id, into[2]);
    assertEquals(-1, into[3], "nothing written past the children");
    long[] shortBuffer = {-1, -1, -1, -1};
    assertEquals(
        -4, heap.access().references(parentId, shortBuffer, 1), "needs room for all four slots");
    assertEquals(List.of(-1L, -1L, -1L, -1L), Arrays.stream(shortBuffer).boxed().toList());
    assertThrows(
        IndexOutOfBoundsException.class, () -> heap.access().references(parentId, into, 7));
    assertThrows(
        IllegalStateException.class, () -> heap.access().references(((HeapRef) gone).id, into, 0));
    assertEquals(1, heap.access().addToReferenceCount(parentId, 1));
    assertEquals(-2, heap.access().addToReferenceCount(parentId, -3));
    heap.close();
  }

  /**
   * Bulk free: a bad list (a rooted object, a repeated or dead id) frees nothing; a good one frees
   * exactly the listed objects, by one walk when they are most of their generation and one by one
   * when they are few, with cleanup callbacks and weak references handled as by {@code free}.
   */
  @Test
  void freeAll_checksTheWholeListFirst_thenFreesExactlyTheListedObjects() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    HeapObject kept = heap.allocate(0, 8);
    kept.data().setLong(0, 9);
    heap.addRoot(kept);
    long[] ids = new long[10];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ((HeapRef) heap.allocate(1, 8)).id;
    }
    long keptId = ((HeapRef) kept).id;
    long[] rooted = {ids[0], keptId};
    assertThrows(IllegalStateException.class, () -> heap.garbageGroups().freeAll(rooted, 2));
    long[] twice = {ids[0], ids[1], ids[0]};
    assertThrows(IllegalStateException.class, () -> heap.garbageGroups().freeAll(twice, 3));
    assertEquals(11, heap.objectCount(), "a refused list frees nothing");
    int[] cleanups = new int[1];
    HeapObject withCallback = new HeapRef(heap, ids[2]);
    heap.onCollect(withCallback, () -> cleanups[0]++);
    var weak = heap.weakReference(new HeapRef(heap, ids[3]));
    // Eight of the eleven: past half of the generation, so one walk of its list.
    HeapAccess.Swept[] result = new HeapAccess.Swept[1];
    heap.stopTheWorld(() -> result[0] = heap.garbageGroups().freeAll(ids, 8));
    HeapAccess.Swept most = result[0];
    assertEquals(8, most.objects());
    assertEquals(8 * (8 + 8 + OffHeapManagedHeap.HEADER_BYTES), most.bytes());
    assertEquals(3, heap.objectCount());
    assertEquals(1, cleanups[0], "ran when the pause ended");
    assertEquals(null, weak.get());
    assertThrows(
        IllegalStateException.class, () -> heap.garbageGroups().freeAll(ids, 8), "dead ids");
    // One of the three left: below half, so a single unlink; its neighbours stay linked.
    assertEquals(1, heap.garbageGroups().freeAll(new long[] {ids[8]}, 1).objects());
    assertEquals(2, heap.objectCount());
    assertTrue(heap.isLive(ids[9]));
    assertEquals(9, kept.data().getLong(0));
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

  @Test
  void sweepThatMeetsARootedObject_refusesItAndKeepsEveryUnreachedObjectOnTheBooks() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.Generational(), GarbageCollectorConfig.builder());
    for (int i = 0; i < 3; i++) {
      heap.allocate(0, 8);
    }
    HeapObject rooted = heap.allocate(0, 8);
    heap.addRoot(rooted);
    for (int i = 0; i < 3; i++) {
      heap.allocate(0, 8);
    }
    // A faulty collector: sweeps generation 0 with a mark no object carries, rooted one included.
    IllegalStateException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> heap.access().sweep(0, 12345, 1, id -> {}));
    assertTrue(refused.getMessage().contains("rooted"), refused.getMessage());
    assertEquals(List.of(), heap.verifyIntegrity());
    assertEquals(
        heap.objectCount(),
        heap.access().objectsInGeneration(0) + heap.access().objectsInGeneration(1));
    assertTrue(heap.objectCount() >= 1 && heap.objectCount() <= 4, "freed only garbage before it");
    assertTrue(rooted.isLive());
    rooted.data().setLong(0, 42);
    assertEquals(42, rooted.data().getLong(0));
    heap.removeRoot(rooted);
    heap.collector().forceCollection();
    assertEquals(0, heap.objectCount());
    heap.close();
  }

  @Test
  void sweepWhoseMovedCallbackThrows_leavesEveryObjectOnExactlyOneList() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.Generational(), GarbageCollectorConfig.builder());
    for (int i = 0; i < 5; i++) {
      heap.addRoot(heap.allocate(0, 8));
    }
    int[] calls = new int[1];
    // Every object carries mark 0, so all survive and move; the third move fails.
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class,
        () ->
            heap.access()
                .sweep(
                    0,
                    0,
                    1,
                    id -> {
                      if (++calls[0] == 3) {
                        throw new IllegalStateException("collector failed");
                      }
                    }));
    assertEquals(List.of(), heap.verifyIntegrity());
    assertEquals(5, heap.objectCount());
    assertEquals(5, heap.access().objectsInGeneration(0) + heap.access().objectsInGeneration(1));
    assertEquals(
        3, heap.access().objectsInGeneration(1), "the three kept before the failure moved");
    heap.close();
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

  /** Two of the objects {@link #threeGroups} makes. */
  private record ThreeGroups(HeapObject a, HeapObject live) {}

  /**
   * {a, b, c}, where a and c meet only at b, against the arrows; one object alone; e, live and f,
   * where e and f are joined only through the object named live.
   */
  private static ThreeGroups threeGroups(OffHeapManagedHeap heap) {
    HeapObject a = heap.allocate(1, 0);
    HeapObject b = heap.allocate(0, 0);
    HeapObject c = heap.allocate(1, 0);
    heap.setReference(a, 0, b);
    heap.setReference(c, 0, b);
    heap.allocate(0, 0);
    HeapObject live = heap.allocate(1, 0);
    HeapObject e = heap.allocate(1, 0);
    HeapObject f = heap.allocate(0, 0);
    heap.setReference(e, 0, live);
    heap.setReference(live, 0, f);
    return new ThreeGroups(a, live);
  }

  /**
   * The heap's groups are the connected components of the unmarked objects, references taken in
   * either direction; a path through a live object joins nothing.
   */
  @Test
  void countGroups_countsComponentsOfTheUnmarked_inEitherDirection_notThroughLiveObjects() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    HeapObject live = threeGroups(heap).live();
    heap.addRoot(live);
    heap.access().setMark(((HeapRef) live).id, 1);
    assertEquals(4, heap.garbageGroups().countGroups(0, 1), "{a, b, c}, the lone one, e and f");
    assertEquals(1, heap.garbageGroups().countGroups(0, 0), "only the live object is unmarked");
    heap.access().beginSweep(0, 1);
    assertThrows(IllegalStateException.class, () -> heap.garbageGroups().countGroups(0, 1));
    assertThrows(
        IllegalStateException.class, () -> heap.garbageGroups().addToReferencedCounts(0, -1, 0));
    heap.close();
  }

  /**
   * Right after a pass, the groups come from what the pass saw; a mark set, a reference written or
   * an object allocated since then makes the heap count afresh, so the answer is never stale.
   */
  @Test
  void countGroups_afterAPass_answersFromIt_untilTheGraphOrAMarkChanges() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    ThreeGroups graph = threeGroups(heap);
    HeapObject a = graph.a();
    HeapObject live = graph.live();

    heap.garbageGroups().addToReferencedCounts(0, -1, 3);
    assertEquals(
        3, heap.garbageGroups().countGroups(0, 1), "{a, b, c}, the lone one, {e, live, f}");
    assertEquals(0, heap.garbageGroups().countGroups(0, 3), "every object carries the live mark");
    heap.access().setMark(((HeapRef) live).id, 1);
    assertEquals(4, heap.garbageGroups().countGroups(0, 1), "the live object now splits e from f");

    heap.garbageGroups().addToReferencedCounts(0, 1, 3);
    heap.setReference(a, 0, null);
    assertEquals(4, heap.garbageGroups().countGroups(0, 1), "a left {a, b, c}");
    heap.garbageGroups().addToReferencedCounts(0, 1, 3);
    heap.allocate(0, 0);
    assertEquals(5, heap.garbageGroups().countGroups(0, 1), "one more object alone");
    heap.close();
  }

  /**
   * After a pass, marks set on any subset (whole groups live, groups split by a live member, marks
   * changed and changed back) give the same groups as a plain search over the objects not live.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void countGroups_afterAPassAndMarks_matchesASearchOfTheObjectsNotLive(int seed) {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    java.util.Random random = new java.util.Random(seed);
    int n = 80;
    HeapObject[] objects = new HeapObject[n];
    int[][] refs = new int[n][];
    for (int i = 0; i < n; i++) {
      refs[i] = new int[random.nextInt(3)];
      objects[i] = heap.allocate(refs[i].length, 0);
    }
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < refs[i].length; k++) {
        // Mostly near neighbours, so there are many groups of a few objects each.
        int j = Math.floorMod(i + random.nextInt(7) - 3, n);
        refs[i][k] = j;
        heap.setReference(objects[i], k, objects[j]);
      }
    }
    for (int round = 0; round < 3; round++) {
      heap.garbageGroups().addToReferencedCounts(0, round == 0 ? -1 : 0, 3);
      boolean[] live = new boolean[n];
      for (int i = 0; i < n; i++) {
        long id = ((HeapRef) objects[i]).id;
        int pick = random.nextInt(10);
        if (pick < 2 + round) {
          heap.access().setMark(id, 1);
          live[i] = true;
        } else if (pick == 9) {
          heap.access().setMark(id, 1); // live for a moment, then not: must count as not live
          heap.access().setMark(id, 5);
        }
      }
      long expected = groupsBySearch(refs, live);
      assertEquals(
          expected, heap.garbageGroups().countGroups(0, 1), "seed " + seed + " round " + round);
      assertEquals(expected, heap.garbageGroups().countGroups(0, 1), "asked twice");
    }
    heap.close();
  }

  /** Connected components of the objects not live, references taken in either direction. */
  private static long groupsBySearch(int[][] refs, boolean[] live) {
    int n = refs.length;
    List<List<Integer>> near = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      near.add(new java.util.ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      for (int j : refs[i]) {
        if (!live[i] && !live[j]) {
          near.get(i).add(j);
          near.get(j).add(i);
        }
      }
    }
    boolean[] seen = new boolean[n];
    long groups = 0;
    for (int i = 0; i < n; i++) {
      if (live[i] || seen[i]) {
        continue;
      }
      groups++;
      java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>(List.of(i));
      seen[i] = true;
      while (!queue.isEmpty()) {
        for (int j : near.get(queue.poll())) {
          if (!seen[j]) {
            seen[j] = true;
            queue.add(j);
          }
        }
      }
    }
    return groups;
  }

  /** Each reference comes off its target's count once, however many slots repeat it. */
  @Test
  void addToReferencedCounts_takesEachReferenceOnce_andMarksEveryObjectOfTheGeneration() {
    OffHeapManagedHeap heap =
        heap(new BuiltInCollectors.MarkSweep(), GarbageCollectorConfig.builder());
    HeapObject x = heap.allocate(3, 0);
    HeapObject y = heap.allocate(0, 0);
    HeapObject z = heap.allocate(1, 0);
    heap.setReference(x, 0, y);
    heap.setReference(x, 1, y);
    heap.setReference(x, 2, z);
    heap.setReference(z, 0, x);
    long[] ids = {((HeapRef) x).id, ((HeapRef) y).id, ((HeapRef) z).id};
    heap.garbageGroups().addToReferencedCounts(0, -1, 7);
    assertEquals(-1, heap.access().referenceCount(ids[0]));
    assertEquals(-2, heap.access().referenceCount(ids[1]));
    assertEquals(-1, heap.access().referenceCount(ids[2]));
    for (long id : ids) {
      assertEquals(7, heap.access().mark(id));
    }
    heap.garbageGroups().addToReferencedCounts(0, 1, 0);
    for (long id : ids) {
      assertEquals(0, heap.access().referenceCount(id));
    }
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

  @Test
  void incremental_referenceMovedBetweenMarkingSteps_isKeptByTheBarrier() {
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.Incremental(),
            GarbageCollectorConfig.builder().maxPauseTime(Duration.ofMillis(1)));
    IncrementalCollector gc = (IncrementalCollector) heap.collector();
    BarrierScene scene = BarrierScene.build(heap);
    HeapObject a = scene.a();
    HeapObject b = scene.b();
    HeapObject hidden = scene.hidden();
    gc.collect(CollectionCause.BACKGROUND);
    assertTrue(gc.isMarking());
    // Move the only reference to `hidden` from b (maybe unscanned) into a (maybe scanned).
    heap.setReference(a, 0, hidden);
    heap.setReference(b, 0, null);
    BarrierScene.stepThrough(gc::isMarking, () -> gc.collect(CollectionCause.BACKGROUND));
    scene.assertHiddenKept();
    assertFalse(gc.isMarking());
    heap.close();
  }

  /**
   * The README's promise for {@code incremental}: marking and sweeping in steps of at most {@code
   * max_pause_time}. At the smallest max_pause_time (100 µs, so a 50 µs budget per step), marking a
   * chain of 300,000 objects and sweeping 300,000 garbage objects took about 300 and 200 steps on 2
   * CPUs; the test asks for 20 of each, and that each step is one pause of its own, not a loop
   * inside one pause. Those counts carry the test: a machine under load only makes steps shorter in
   * work. The median pause is checked against max_pause_time with a factor of four (it was about 55
   * µs), never the longest: a step the scheduler interrupts lasts longer than its budget.
   */
  @Test
  void collect_incrementalOnAHeapFarLargerThanOneStep_marksAndSweepsInManyShortPauses() {
    Duration maxPause = GarbageCollectorConfig.MIN_PAUSE;
    OffHeapManagedHeap heap =
        heap(
            new BuiltInCollectors.Incremental(),
            GarbageCollectorConfig.builder().generationalCount(1).maxPauseTime(maxPause));
    IncrementalCollector gc = (IncrementalCollector) heap.collector();
    HeapObject head = heap.allocate(1, 0);
    heap.addRoot(head);
    hangChain(heap, head, 300_000);
    for (int i = 0; i < 300_000; i++) {
      heap.allocate(0, 0);
    }
    gc.collect(CollectionCause.BACKGROUND); // one pause: shades the roots, starts the cycle
    assertTrue(gc.isMarking());
    long pausesBefore = gc.getCollectionStatistics().pauses().count();
    int markingSteps = 0;
    while (gc.isMarking()) {
      gc.collect(CollectionCause.BACKGROUND);
      markingSteps++;
    }
    assertTrue(heap.access().sweepPending(0), "marking ended in a lazy sweep");
    int sweepSteps = 0;
    while (heap.access().sweepPending(0)) {
      gc.collect(CollectionCause.BACKGROUND);
      sweepSteps++;
    }
    PauseStatistics pauses = gc.getCollectionStatistics().pauses();
    assertTrue(markingSteps >= 20, "marking 300,001 objects took " + markingSteps + " steps");
    assertTrue(sweepSteps >= 20, "sweeping 300,000 objects took " + sweepSteps + " steps");
    // One pause per step, plus the one that ends marking after the last marking step.
    assertEquals(markingSteps + 1 + sweepSteps, pauses.count() - pausesBefore);
    assertTrue(
        pauses.p50Nanos() <= 4 * maxPause.toNanos(),
        "median pause " + pauses.p50Nanos() + " ns at max_pause_time " + maxPause);
    assertEquals(300_001, heap.objectCount(), "the chain lives, the garbage is gone");
    assertEquals(List.of(), heap.verifyIntegrity());
    heap.close();
  }

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

  /**
   * Roots {@code a} and {@code b}; {@code hidden} (payload 5) referenced only from {@code b}; and a
   * rooted chain of 300,000 objects, so that marking needs many bounded steps. The barrier tests
   * then move {@code hidden} from {@code b} to {@code a} between steps.
   */
  private record BarrierScene(HeapObject a, HeapObject b, HeapObject hidden) {
    /** Runs {@code step} while {@code pending}, and checks it took more than one bounded step. */
    static void stepThrough(java.util.function.BooleanSupplier pending, Runnable step) {
      int steps = 0;
      while (pending.getAsBoolean()) {
        step.run();
        steps++;
      }
      assertTrue(steps > 1, "the work took several bounded steps: " + steps);
    }

    void assertHiddenKept() {
      assertTrue(hidden.isLive());
      assertEquals(5, hidden.data().getLong(0));
    }

    static BarrierScene build(OffHeapManagedHeap heap) {
      HeapObject a = heap.allocate(1, 0);
      HeapObject b = heap.allocate(1, 0);
      heap.addRoot(a);
      heap.addRoot(b);
      HeapObject hidden;
      try (HeapScope scope = heap.openScope()) {
        hidden = heap.allocate(0, 8);
        hidden.data().setLong(0, 5);
        heap.setReference(b, 0, hidden);
      }
      HeapObject big = heap.allocate(1, 0);
      heap.addRoot(big);
      hangChain(heap, big, 300_000);
      return new BarrierScene(a, b, hidden);
    }
  }
}
