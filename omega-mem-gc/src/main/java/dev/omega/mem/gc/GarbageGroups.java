package dev.omega.mem.gc;

import dev.omega.mem.spi.HeapAccess.Swept;
import dev.omega.mem.spi.ReferenceCountPasses;
import java.util.Arrays;
import java.util.Objects;

/**
 * The reference counter's whole-generation passes ({@link ReferenceCountPasses}): adding the
 * references of a generation to its counts, counting the groups its garbage makes, and freeing a
 * list of objects at once.
 *
 * <p>Design note. Terms: a <em>group</em> is a set of objects of one generation, none carrying the
 * live mark, joined by references among them (a garbage cycle with what hangs off it). Groups are
 * found by union-find over table slots, in a forest kept between calls ({@link #groupParents}): a
 * representative holds minus its group's size, any other slot its parent's slot + 1; the lower slot
 * leads, and finds halve the path. The pass ({@link #addToReferencedCounts}) joins the groups as it
 * reads the references anyway, and a <em>mark log</em> lists the slots whose mark changed since
 * (see {@link #logMark}), so {@link #countGroups} right after it need not read the references
 * again: O(1) when no mark changed, O(changed marks) plus the references of the partly live groups
 * otherwise, O(objects and references of the generation) when it must count afresh.
 *
 * <p>Thread safety: every pass runs in a pause (it begins one, or joins the one it runs in). The
 * mark log is written by {@link CollectorView#setMark} in serial mode only.
 */
final class GarbageGroups implements ReferenceCountPasses {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final GenerationSpace space;
  private final int generations;
  private final boolean serial;

  /**
   * The distinct slots whose mark {@link CollectorView#setMark} changed since the last pass, so
   * {@link #countGroups} can tell which of the pass's groups now hold live objects; {@code logged}
   * flags the slots in it. The log stops (overflows) at a quarter of the generation: past that,
   * counting afresh costs no more than working from it.
   */
  private int[] markLog = new int[0];

  private int markLogSize;
  private boolean markLogOverflow = true;
  private boolean[] logged = new boolean[0];

  /**
   * Live members per group of the pass's forest, by representative, while {@link #countGroups}
   * works from the log; -1 marks a group that is partly live. Zero between calls.
   */
  private int[] groupTally = new int[0];

  /** A second union-find forest, for the partly live groups {@link #countGroups} counts again. */
  private int[] regroupParents = new int[0];

  /**
   * What the last {@link #addToReferencedCounts} found, for {@link #countGroups} to answer from
   * while {@link GenerationSpace#graphVersion} is still {@code passVersion}: every object of {@code
   * passGen} then still carries {@code passMark} unless {@link #markLog} lists it, so with an empty
   * log the groups of those not live are all of its groups, or none. A cycle collector that finds
   * nothing held from outside (a heap that is all garbage) thus counts its groups at no cost;
   * re-reading every reference from pool memory, through a checked block and a liveness check per
   * child, was most of what that count cost on a large heap.
   */
  private int passGen = -1;

  private int passMark;
  private long passGroups;
  private long passVersion = -1;

  /**
   * Union-find forest of the pass and {@link #countGroups}, by table slot, kept between calls so a
   * collection of a large heap does not allocate it each time: a representative holds minus its
   * group's size, any other slot its parent's slot + 1.
   */
  private int[] groupParents = new int[0];

  GarbageGroups(
      OffHeapManagedHeap heap,
      ObjectTable table,
      GenerationSpace space,
      int generations,
      boolean serial) {
    this.heap = heap;
    this.table = table;
    this.space = space;
    this.generations = generations;
    this.serial = serial;
  }

  @Override
  public void addToReferencedCounts(int gen, int delta, int newMark) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock();
    try {
      space.requireNoLazySweep(gen);
      // The references are read here anyway, so joining the groups they link costs a union-find
      // step each; countGroups answers from that while nothing has changed since.
      int[] up = clearedGroupParents();
      long joins = 0;
      IndexLists lists = space.lists;
      for (int s = lists.head(gen); s >= 0; s = lists.next(s)) {
        table.setMarkAt(s, newMark);
        for (int i = 0; i < table.refSlotsAt(s); i++) {
          long child = heap.liveChild(s, i);
          if (child != 0) {
            int t = ObjectTable.slotOf(child);
            table.addToCountAt(t, delta);
            if (table.generationAt(t) == gen) {
              joins += join(up, s, t);
            }
          }
        }
      }
      passGen = gen;
      passMark = newMark;
      passGroups = lists.count(gen) - joins;
      passVersion = ++space.graphVersion;
      startMarkLog(lists.count(gen));
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public long countGroups(int gen, int liveMark) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock();
    try {
      space.requireNoLazySweep(gen);
      // Reference writes move the version only in serial mode (in concurrent mode a counter
      // every writer bumps would be a line two cores fight over), so only there may it be trusted.
      if (serial && passGen == gen && passVersion == space.graphVersion && !markLogOverflow) {
        if (markLogSize == 0) {
          return passMark == liveMark ? 0 : passGroups;
        }
        if (passMark != liveMark) {
          return groupsFromPassAndMarks(gen, liveMark);
        }
      }
      return groupsAmong(gen, liveMark, clearedGroupParents(), null);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public Swept freeAll(long[] ids, int count) {
    Objects.checkFromIndexSize(0, count, ids.length);
    heap.lock.lock();
    try {
      return space.freeAll(ids, count);
    } finally {
      heap.lock.unlock();
    }
  }

  /**
   * The groups after a pass when marks have changed since but the graph has not. Every member
   * carried the pass's mark, so the objects now live are exactly the logged ones with {@code
   * liveMark}. A group of the pass with none of them is still a group; one that is all live is
   * gone; only the groups that are partly live are counted again, by a walk that reads the
   * references of their members alone. A million garbage rings beside a rooted structure thus cost
   * a union-find step per live object, not a second read of every reference.
   */
  private long groupsFromPassAndMarks(int gen, int liveMark) {
    int[] up = groupParents;
    if (groupTally.length < table.highWater) {
      groupTally = new int[table.capacity()];
    }
    int[] tally = groupTally;
    long groups = passGroups;
    int partly = 0;
    // Tally the live objects of each group; the log's distinct slots make each count once.
    for (int k = 0; k < markLogSize; k++) {
      int s = markLog[k];
      if (table.generationAt(s) == gen && table.markAt(s) == liveMark) {
        tally[groupOf(up, s)]++;
      }
    }
    for (int k = 0; k < markLogSize; k++) {
      int s = markLog[k];
      if (table.generationAt(s) != gen || table.markAt(s) != liveMark) {
        continue;
      }
      int r = groupOf(up, s);
      if (tally[r] > 0) {
        groups--;
        if (tally[r] == -up[r]) {
          tally[r] = 0; // all live: the group is gone
        } else {
          tally[r] = -1; // partly live: counted again below
          partly++;
        }
      }
    }
    if (partly > 0) {
      if (regroupParents.length < table.highWater) {
        regroupParents = new int[table.capacity()];
      }
      int[] again = regroupParents;
      Arrays.fill(again, 0, table.highWater, -1);
      groups += groupsAmong(gen, liveMark, again, up);
      for (int k = 0; k < markLogSize; k++) {
        int s = markLog[k];
        if (table.generationAt(s) == gen) {
          tally[groupOf(up, s)] = 0;
        }
      }
    }
    return groups;
  }

  /**
   * The groups the objects of {@code gen} not carrying {@code liveMark} make, joined in the cleared
   * forest {@code into}: every member starts as a group of its own and each reference between two
   * members of different groups joins them. With {@code partlyLiveIn}, only the members whose group
   * in that forest {@link #groupTally} marks partly live (-1) take part.
   */
  private long groupsAmong(int gen, int liveMark, int[] into, int[] partlyLiveIn) {
    long groups = 0;
    IndexLists lists = space.lists;
    for (int s = lists.head(gen); s >= 0; s = lists.next(s)) {
      if (table.markAt(s) == liveMark
          || (partlyLiveIn != null && groupTally[groupOf(partlyLiveIn, s)] != -1)) {
        continue;
      }
      groups++;
      for (int i = 0; i < table.refSlotsAt(s); i++) {
        long child = heap.liveChild(s, i);
        if (child != 0) {
          int t = ObjectTable.slotOf(child);
          if (table.generationAt(t) == gen && table.markAt(t) != liveMark) {
            groups -= join(into, s, t);
          }
        }
      }
    }
    return groups;
  }

  /** Starts an empty {@link #markLog} sized for a quarter of {@code members}. */
  private void startMarkLog(long members) {
    for (int k = 0; k < markLogSize; k++) {
      logged[markLog[k]] = false;
    }
    markLogSize = 0;
    markLogOverflow = false;
    int capacity = (int) Math.max(1024, members / 4);
    if (markLog.length < capacity) {
      markLog = new int[capacity];
    }
    if (logged.length < table.capacity()) {
      logged = new boolean[table.capacity()];
    }
  }

  /**
   * Notes that the mark of {@code slot} changed since the pass. The marks that matter are set by
   * the collector between its pass and its count, inside one stop-the-world; a barrier greying
   * objects concurrently at other times can at worst make the log incomplete for a count that is
   * not called then, never index out of it.
   */
  void logMark(int slot) {
    if (markLogOverflow || slot >= logged.length || logged[slot]) {
      return;
    }
    int n = markLogSize;
    if (n >= markLog.length) {
      markLogOverflow = true;
      return;
    }
    logged[slot] = true;
    markLog[n] = slot;
    markLogSize = n + 1;
  }

  /** {@link #groupParents}, grown to the table and with every slot a group of its own. */
  private int[] clearedGroupParents() {
    if (groupParents.length < table.highWater) {
      groupParents = new int[table.capacity()];
    }
    Arrays.fill(groupParents, 0, table.highWater, -1);
    return groupParents;
  }

  /** Puts the groups of {@code s} and {@code t} together; 1 if they were two, else 0. */
  private static int join(int[] up, int s, int t) {
    int a = groupOf(up, s);
    int b = groupOf(up, t);
    if (a == b) {
      return 0;
    }
    // The lower slot leads, so trees of objects allocated in order stay shallow; it takes on the
    // other's size (both hold minus their sizes).
    if (a < b) {
      up[a] += up[b];
      up[b] = a + 1;
    } else {
      up[b] += up[a];
      up[a] = b + 1;
    }
    return 1;
  }

  /** The representative of {@code x}'s group, halving the path to it on the way. */
  private static int groupOf(int[] up, int x) {
    while (true) {
      int parent = up[x] - 1;
      if (parent < 0) {
        return x;
      }
      int grandparent = up[parent] - 1;
      if (grandparent < 0) {
        return parent;
      }
      up[x] = grandparent + 1;
      x = grandparent;
    }
  }
}
