package dev.omega.mem.gc;

import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.spi.HeapAccess;
import java.time.Duration;
import java.util.Arrays;

/**
 * The garbage cycles of a heap at one moment, and which of them a collection then freed: what
 * {@link dev.omega.mem.api.gc.GarbageCollector#detectCycles} reports, for every built-in collector.
 *
 * <p>Design note. Terms: <em>garbage</em> is every object no root reaches; a <em>garbage cycle</em>
 * is a strongly connected component of the garbage with two or more objects, or one object that
 * references itself (as {@link CycleReport} defines it); its objects are its <em>members</em>.
 * Garbage on no cycle (an acyclic structure, a tail hanging off a cycle, an object between two
 * cycles) is freed by the same collection but is no member. No collector's own work tells them
 * apart: reference counting frees acyclic garbage by its counts, but trial deletion frees a cycle
 * with all it holds, tails included, and tracing frees all garbage alike. So the census reads the
 * graph itself, and none of the marks, counts or colours a collector keeps:
 *
 * <ol>
 *   <li>every object gets a dense index (an open-addressing table from id to index);
 *   <li>the objects the roots reach are flagged, by an explicit stack;
 *   <li>the references of garbage to garbage are copied into compressed rows (a start per object
 *       and one array of targets), a self-reference noted apart;
 *   <li>Tarjan's algorithm (1972) finds the strongly connected components, with an explicit call
 *       stack (a ring of a million objects needs no recursion); a component is complete when its
 *       first object's walk ends, and is kept if it is a cycle.
 * </ol>
 *
 * O(objects + references) in time, a few ints per object and one per reference in memory. After the
 * collection a cycle counts as found when every member is dead: an id never becomes valid again
 * once its object is freed (the heap retires a slot rather than wrap its generation), so a dead id
 * means the object was freed, and a cycle a mutator made reachable again in between is not counted.
 *
 * <p>Thread safety: confined to the collecting thread; {@link #take} runs with mutators stopped.
 */
final class CycleCensus {
  /** Ids of the members, cycle after cycle. */
  private final LongStack members;

  /** Per cycle: where its members end in {@link #members}, and their bytes. */
  private final LongStack ends;

  private final LongStack bytes;

  private CycleCensus(LongStack members, LongStack ends, LongStack bytes) {
    this.members = members;
    this.ends = ends;
    this.bytes = bytes;
  }

  /** The garbage cycles of {@code heap} now. Call inside {@link HeapAccess#stopTheWorld}. */
  static CycleCensus take(HeapAccess heap) {
    LongStack ids = new LongStack();
    heap.forEachObject(ids::push);
    int n = ids.size();
    IdIndex index = new IdIndex(n);
    for (int i = 0; i < n; i++) {
      index.put(ids.get(i), i);
    }
    boolean[] reached = reachedFromRoots(heap, index, n);

    int[] start = new int[n + 1];
    int[] targets = new int[Math.max(16, n)];
    int edges = 0;
    boolean[] selfReferenced = new boolean[n];
    LongStack children = new LongStack();
    for (int i = 0; i < n; i++) {
      start[i] = edges;
      if (reached[i]) {
        continue;
      }
      children.clear();
      AbstractCollector.pushChildren(heap, ids.get(i), children);
      for (int k = 0; k < children.size(); k++) {
        int j = index.get(children.get(k));
        if (j == i) {
          selfReferenced[i] = true;
        } else if (j >= 0 && !reached[j]) {
          if (edges == targets.length) {
            targets = Arrays.copyOf(targets, edges * 2);
          }
          targets[edges++] = j;
        }
      }
    }
    start[n] = edges;

    LongStack members = new LongStack();
    LongStack ends = new LongStack();
    LongStack bytes = new LongStack();
    int[] order = new int[n]; // discovery number from 1; 0 is not yet discovered
    int[] low = new int[n];
    int[] nextEdge = new int[n];
    int[] calls = new int[n];
    int[] open = new int[n]; // Tarjan's stack: discovered, component not yet complete
    boolean[] isOpen = new boolean[n];
    int discovered = 0;
    int openTop = 0;
    for (int r = 0; r < n; r++) {
      if (reached[r] || order[r] != 0) {
        continue;
      }
      int top = 0;
      order[r] = low[r] = ++discovered;
      nextEdge[r] = start[r];
      calls[top++] = r;
      open[openTop++] = r;
      isOpen[r] = true;
      while (top > 0) {
        int v = calls[top - 1];
        if (nextEdge[v] < start[v + 1]) {
          int w = targets[nextEdge[v]++];
          if (order[w] == 0) {
            order[w] = low[w] = ++discovered;
            nextEdge[w] = start[w];
            calls[top++] = w;
            open[openTop++] = w;
            isOpen[w] = true;
          } else if (isOpen[w]) {
            low[v] = Math.min(low[v], order[w]);
          }
          continue;
        }
        top--;
        if (top > 0) {
          int parent = calls[top - 1];
          low[parent] = Math.min(low[parent], low[v]);
        }
        if (low[v] != order[v]) {
          continue;
        }
        int from = openTop;
        do {
          isOpen[open[--from]] = false;
        } while (open[from] != v);
        if (openTop - from > 1 || selfReferenced[v]) {
          long cycleBytes = 0;
          for (int k = from; k < openTop; k++) {
            long id = ids.get(open[k]);
            members.push(id);
            cycleBytes += heap.sizeBytes(id);
          }
          ends.push(members.size());
          bytes.push(cycleBytes);
        }
        openTop = from;
      }
    }
    return new CycleCensus(members, ends, bytes);
  }

  private static boolean[] reachedFromRoots(HeapAccess heap, IdIndex index, int n) {
    boolean[] reached = new boolean[n];
    LongStack stack = new LongStack();
    heap.forEachRoot(stack::push);
    while (!stack.isEmpty()) {
      long id = stack.pop();
      int i = index.get(id);
      if (i >= 0 && !reached[i]) {
        reached[i] = true;
        AbstractCollector.pushChildren(heap, id, stack);
      }
    }
    return reached;
  }

  /**
   * The cycles of this census that are gone now, all their members freed, as a report that took
   * {@code elapsed}.
   */
  CycleReport freed(HeapAccess heap, Duration elapsed) {
    long cycles = 0;
    long objects = 0;
    long freedBytes = 0;
    int from = 0;
    for (int c = 0; c < ends.size(); c++) {
      int to = (int) ends.get(c);
      boolean allFreed = true;
      for (int k = from; k < to && allFreed; k++) {
        allFreed = !heap.isLive(members.get(k));
      }
      if (allFreed) {
        cycles++;
        objects += to - from;
        freedBytes += bytes.get(c);
      }
      from = to;
    }
    return new CycleReport(cycles, objects, freedBytes, elapsed);
  }

  /**
   * Object id to dense index: open addressing with linear probing, at most half full, 0 marking an
   * empty cell (ids are never 0). Sized once, for the objects of one census.
   */
  private static final class IdIndex {
    private final long[] keys;
    private final int[] values;
    private final int mask;

    IdIndex(int entries) {
      int capacity = Integer.highestOneBit(Math.max(16, entries) * 2 - 1) << 1;
      keys = new long[capacity];
      values = new int[capacity];
      mask = capacity - 1;
    }

    void put(long id, int value) {
      int i = slot(id);
      while (keys[i] != 0) {
        i = (i + 1) & mask;
      }
      keys[i] = id;
      values[i] = value;
    }

    /** The index of {@code id}, or -1 if it is not an object of the census. */
    int get(long id) {
      for (int i = slot(id); keys[i] != 0; i = (i + 1) & mask) {
        if (keys[i] == id) {
          return values[i];
        }
      }
      return -1;
    }

    private int slot(long id) {
      return (int) ((id * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }
  }
}
