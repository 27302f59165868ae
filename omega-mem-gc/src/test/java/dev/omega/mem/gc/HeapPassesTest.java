package dev.omega.mem.gc;

import static dev.omega.mem.gc.TestHeaps.heap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.spi.HeapAccess;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The heap's bulk passes that collectors call through {@link HeapAccess} and its capabilities:
 * reading children, freeing and sweeping in one call, and the passes reference counting is granted
 * (referenced counts, garbage groups). The collector only drives the heap here.
 */
class HeapPassesTest {
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
    HeapAccess.Swept most =
        heap.access().stopTheWorldFor(() -> heap.garbageGroups().freeAll(ids, 8)).value();
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
}
