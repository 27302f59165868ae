package dev.omega.mem.gc;

import java.util.Arrays;

/**
 * The graph reachable from a heap's global roots, numbered canonically: the numbering that {@link
 * OffHeapManagedHeap#digest()} hashes and the snapshot stores.
 *
 * <p>Design note. Terms: an object's <em>number</em> is its place in a breadth-first walk that
 * starts from the global roots in the order they became roots ({@link RootSet#forEachGlobal}) and
 * follows each object's reference slots in slot order; a slot naming a freed object reads as null
 * ({@link OffHeapManagedHeap#liveChild}). Because the walk sees only the graph's shape, two heaps
 * holding the same graph number it alike whatever their ids, cell placement, collector or
 * generations. Layout, all plain arrays so the walk makes no Java object per heap object:
 *
 * <pre>
 *   tag[table slot]    number + 1 of the object in that slot, 0 if the walk has not met it
 *                      (so a slot's tag is exactly how the encoding writes a reference to it)
 *   order[number]      the table slot of object {@code number}; the walk's queue is this array
 *   rootHolds[i]       the holds of root i, which is object i (roots are met first, in order)
 * </pre>
 *
 * <p>Complexity: O(table slots) to clear the tags plus O(reachable objects + their slots); memory 4
 * bytes per table slot and 4 per reachable object.
 *
 * <p>Thread safety: built and read in one pause (the caller holds it), so no mutator changes the
 * graph meanwhile; confined to the pausing thread.
 */
final class ReachableGraph {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final int[] tag;
  private int[] order = new int[64];
  private int count;
  private int[] rootHolds = new int[8];
  private int rootCount;

  private ReachableGraph(OffHeapManagedHeap heap, ObjectTable table) {
    this.heap = heap;
    this.table = table;
    this.tag = new int[table.highWater];
  }

  /** Walks the graph of {@code heap}, whose pause the caller holds. */
  static ReachableGraph walk(OffHeapManagedHeap heap, ObjectTable table, RootSet roots) {
    ReachableGraph graph = new ReachableGraph(heap, table);
    roots.forEachGlobal(graph::addRoot);
    graph.breadthFirst();
    return graph;
  }

  private void addRoot(long id, int holds) {
    // Roots are distinct ids and each is met first here, so root i is object i.
    if (rootCount == rootHolds.length) {
      rootHolds = Arrays.copyOf(rootHolds, rootCount * 2);
    }
    rootHolds[rootCount++] = holds;
    meet(table.liveSlot(id));
  }

  private void breadthFirst() {
    for (int next = 0; next < count; next++) {
      int s = order[next];
      int slots = table.refSlotsAt(s);
      for (int i = 0; i < slots; i++) {
        long child = heap.liveChild(s, i);
        if (child != 0) {
          int c = ObjectTable.slotOf(child);
          if (tag[c] == 0) {
            meet(c);
          }
        }
      }
    }
  }

  private void meet(int s) {
    if (count == order.length) {
      order = Arrays.copyOf(order, count * 2);
    }
    order[count++] = s;
    tag[s] = count;
  }

  /** Reachable objects. */
  int count() {
    return count;
  }

  /** The table slot of object {@code number}. */
  int slotOf(int number) {
    return order[number];
  }

  /** Global roots; root i is object i. */
  int rootCount() {
    return rootCount;
  }

  /** The holds of root {@code i}. */
  int rootHolds(int i) {
    return rootHolds[i];
  }

  /**
   * How a reference from slot {@code slot} of object {@code number} is written: 0 for null (or a
   * freed target), else the target's number + 1.
   */
  int reference(int number, int slot) {
    long child = heap.liveChild(order[number], slot);
    return child == 0 ? 0 : tag[ObjectTable.slotOf(child)];
  }
}
