package dev.omega.mem.gc;

import dev.omega.mem.spi.HeapAccess.Swept;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The heap's generations: a list of table slots per generation, the objects and bytes they hold,
 * and the sweeps that free their garbage, whole or lazily.
 *
 * <p>Design note. Terms: a <em>whole-list sweep</em> ({@link #sweep}, {@link #freeAll}) walks a
 * generation once inside one pause; a <em>lazy sweep</em> ({@link #beginSweep}, {@link #sweepSome})
 * judges the generation's objects by the marks they carry when it begins and frees the garbage in
 * batches over later pauses. Layout: one {@link IndexLists} over table slots, one list per
 * generation; new objects are linked at the head.
 *
 * <p>Lazy sweeps, per generation: the next slot to look at (walking from the tail towards the head,
 * so objects linked at the head after the sweep began are never reached), the last slot to look at
 * (the head when it began), the mark that means live, and where survivors go (their own generation,
 * or the next one up when a generational collector promotes lazily). Cursor -1: none pending.
 * {@link #unlink} moves the cursor and the fence on when their objects leave the list.
 *
 * <p>Complexity: link, unlink and free are O(1); a whole-list sweep is O(objects in the
 * generation); a lazy step is O(objects it looks at).
 *
 * <p>Thread safety: confined to pauses (and, in serial mode, to the serial lock); the heap's
 * collector view begins the pause before it calls in.
 */
final class GenerationSpace {
  private final ObjectTable table;
  private final CellSpace cells;
  private final Finalization finalization;
  private final int generations;
  final IndexLists lists;

  private final int[] sweepCursor;
  private final int[] sweepFence;
  private final int[] sweepLiveMark;
  private final int[] sweepSurvivorGen;

  /**
   * Objects and bytes linked into the generation lists: changed in pauses (and under the serial
   * lock); what threads allocated since the last pause is in their {@link Mutator#fresh} lists.
   */
  long objects;

  long usedBytes;

  /**
   * Advanced by every change to the graph: an object linked into or out of a generation, one freed,
   * a reference slot written. The groups a pass found stand while this has not moved (marks set
   * since are in the {@link GarbageGroups} mark log). Advanced where those changes meet: {@link
   * #link}, {@link #unlink} (every free outside a whole-list sweep goes through it), {@link
   * #sweepList} (which empties a list without unlinking) and the reference write.
   */
  long graphVersion;

  GenerationSpace(ObjectTable table, CellSpace cells, Finalization finalization, int generations) {
    this.table = table;
    this.cells = cells;
    this.finalization = finalization;
    this.generations = generations;
    this.lists = new IndexLists(generations, 1024);
    this.sweepCursor = new int[generations];
    this.sweepFence = new int[generations];
    this.sweepLiveMark = new int[generations];
    this.sweepSurvivorGen = new int[generations];
    Arrays.fill(sweepCursor, -1);
  }

  // ------------------------------------------------------------------ lists

  void link(int slot, int gen) {
    graphVersion++;
    table.setGenerationAt(slot, gen);
    lists.link(gen, slot);
  }

  void unlink(int slot) {
    graphVersion++;
    int gen = table.generationAt(slot);
    if (sweepCursor[gen] >= 0) {
      // Keep a pending lazy sweep's range valid when one of its ends leaves the list.
      if (slot == sweepCursor[gen]) {
        sweepCursor[gen] = slot == sweepFence[gen] ? -1 : lists.prev(slot);
      } else if (slot == sweepFence[gen]) {
        sweepFence[gen] = lists.next(slot);
      }
    }
    lists.unlink(gen, slot);
  }

  /** Moves the live object in slot {@code s} to {@code gen}. */
  void move(int s, int gen) {
    if (table.generationAt(s) != gen) {
      unlink(s);
      link(s, gen);
    }
  }

  /**
   * At the start of a pause: links what {@code m} allocated since the last one into generation 0.
   */
  void publishFresh(Mutator m) {
    for (int i = 0; i < m.freshTop; i++) {
      link(m.fresh[i], 0);
    }
    objects += m.freshTop;
    usedBytes += m.freshBytes;
    m.freshTop = 0;
    m.freshBytes = 0;
    m.budget = 0; // look at the trigger again after every pause
  }

  // ------------------------------------------------------------------ freeing

  long freeSlot(int s) {
    long bytes = discard(s); // checks first, so a refused free changes nothing
    usedBytes -= bytes;
    unlink(s);
    objects--;
    return bytes;
  }

  /** A root is never garbage: freeing one is a collector bug, refused before anything changes. */
  private void requireUnrooted(int s) {
    if (table.holdsAt(s) > 0) {
      throw new IllegalStateException(
          "collector tried to free a rooted object (" + table.holdsAt(s) + " root holds)");
    }
  }

  /**
   * Gives back the storage and the slot of {@code s}, which is in no list, and returns its bytes;
   * the caller adjusts {@link #usedBytes} and {@link #objects}.
   */
  private long discard(int s) {
    requireUnrooted(s);
    if ((table.extrasAt(s) & (ObjectTable.HAS_CALLBACKS | ObjectTable.HAS_WEAK_REFS)) != 0) {
      finalization.freed(s);
    }
    table.setExtrasAt(s, 0);
    cells.free(table.cellAt(s));
    table.release(s);
    return table.sizeAt(s);
  }

  // ------------------------------------------------------------------ whole-list sweeps

  Swept sweep(int gen, int liveMark, int survivorGeneration, LongConsumer moved) {
    requireNoLazySweep(gen);
    return sweepList(gen, liveMark, false, survivorGeneration, moved);
  }

  /**
   * Walks the whole list of {@code gen} once: frees each object that is garbage (its mark is not
   * {@code liveMark}, or with {@code byDyingFlag} it carries {@link ObjectTable#DYING}) and moves
   * the others to {@code survivorGeneration}.
   */
  private Swept sweepList(
      int gen, int liveMark, boolean byDyingFlag, int survivorGeneration, LongConsumer moved) {
    graphVersion++;
    long freedObjects = 0;
    long freedBytes = 0;
    // The list is emptied at once; freed objects are dropped from it without unlinking each
    // from its neighbours, and the survivors, still chained in their order, are joined across
    // the gaps the garbage left and spliced onto the survivor generation (which may be this
    // one) in O(1). Per object that is a generation write and, after a gap, one join: a young
    // collection frees most of what it sweeps, a full one of a settled heap keeps most of it,
    // and one-by-one unlinking (of the garbage) or relinking (of survivors) was a large share
    // of either.
    int s = lists.detach(gen);
    int first = -1;
    int last = -1;
    long kept = 0;
    try {
      while (s >= 0) {
        int next = lists.next(s);
        if (byDyingFlag
            ? (table.extrasAt(s) & ObjectTable.DYING) != 0
            : table.markAt(s) != liveMark) {
          freedBytes += discard(s);
          freedObjects++;
        } else {
          table.setGenerationAt(s, survivorGeneration);
          if (last < 0) {
            first = s;
          } else if (lists.next(last) != s) {
            lists.join(last, s);
          }
          last = s;
          kept++;
          if (survivorGeneration != gen) {
            moved.accept(table.idOf(s));
          }
        }
        s = next;
      }
    } catch (RuntimeException e) {
      // A refused free (a rooted object: a collector bug) or a throwing `moved`: what was not
      // reached yet goes back on its list, so no object is lost from the heap's books. (An
      // object already kept is in the survivor chain, spliced below.)
      if (s >= 0 && s == last) {
        s = lists.next(s);
      }
      while (s >= 0) {
        int next = lists.next(s);
        link(s, gen);
        s = next;
      }
      throw e;
    } finally {
      if (last >= 0) {
        lists.spliceAtHead(survivorGeneration, first, last, kept);
      }
      usedBytes -= freedBytes;
      objects -= freedObjects;
    }
    return new Swept(freedObjects, freedBytes, survivorGeneration != gen ? kept : 0);
  }

  /** Frees the {@code count} listed objects, each once; see {@code ReferenceCountPasses}. */
  Swept freeAll(long[] ids, int count) {
    int[] perGeneration = new int[generations];
    int checked = 0;
    try {
      for (; checked < count; checked++) {
        int s = table.liveSlot(ids[checked]);
        requireUnrooted(s);
        if ((table.extrasAt(s) & ObjectTable.DYING) != 0) {
          throw new IllegalStateException(
              "object id " + Long.toHexString(ids[checked]) + " is listed twice");
        }
        table.setExtrasAt(s, table.extrasAt(s) | ObjectTable.DYING);
        perGeneration[table.generationAt(s)]++;
      }
    } catch (RuntimeException e) {
      for (int k = 0; k < checked; k++) {
        int listed = ObjectTable.slotOf(ids[k]);
        table.setExtrasAt(listed, table.extrasAt(listed) & ~ObjectTable.DYING);
      }
      throw e;
    }
    long freedObjects = 0;
    long freedBytes = 0;
    boolean oneByOne = false;
    for (int g = 0; g < generations; g++) {
      if (perGeneration[g] == 0) {
        continue;
      }
      // Walking the whole list costs O(its length); unlinking one by one costs more per object
      // but only for the objects freed. Past half of the list, the walk is cheaper.
      if ((long) perGeneration[g] * 2 >= lists.count(g) && sweepCursor[g] < 0) {
        Swept swept = sweepList(g, 0, true, g, id -> {});
        freedObjects += swept.objects();
        freedBytes += swept.bytes();
      } else {
        oneByOne = true;
      }
    }
    // Only a generation that was not walked leaves listed objects live: a second pass over the
    // ids would otherwise check a million dead ones for nothing.
    for (int i = 0; oneByOne && i < count; i++) {
      if (table.isLive(ids[i])) {
        freedBytes += freeSlot(ObjectTable.slotOf(ids[i]));
        freedObjects++;
      }
    }
    return new Swept(freedObjects, freedBytes, 0);
  }

  // ------------------------------------------------------------------ lazy sweeps

  void beginSweep(int gen, int liveMark, int survivorGeneration) {
    requireNoLazySweep(gen);
    if (lists.head(gen) < 0) {
      return;
    }
    sweepCursor[gen] = lists.tail(gen);
    sweepFence[gen] = lists.head(gen);
    sweepLiveMark[gen] = liveMark;
    sweepSurvivorGen[gen] = survivorGeneration;
    finalization.clearWeakReferences(gen, liveMark);
  }

  Swept sweepSome(int gen, int maxObjects) {
    long freedObjects = 0;
    long freedBytes = 0;
    long moved = 0;
    int liveMark = sweepLiveMark[gen];
    int survivorGen = sweepSurvivorGen[gen];
    for (int n = 0; n < maxObjects && sweepCursor[gen] >= 0; n++) {
      int s = sweepCursor[gen];
      if (table.markAt(s) != liveMark) {
        freedObjects++;
        freedBytes += freeSlot(s); // its unlink moves the cursor on
      } else if (survivorGen != gen) {
        // Linked at the survivor list's head: past the fence of any sweep pending there.
        unlink(s); // moves the cursor on
        link(s, survivorGen);
        moved++;
      } else {
        sweepCursor[gen] = s == sweepFence[gen] ? -1 : lists.prev(s);
      }
    }
    return new Swept(freedObjects, freedBytes, moved);
  }

  /** A new sweep judges marks afresh; the pending one judged older marks, so it must end first. */
  void requireNoLazySweep(int gen) {
    if (sweepCursor[gen] >= 0) {
      throw new IllegalStateException(
          "a lazy sweep of generation "
              + gen
              + " is still pending; finish it with sweepSome before sweeping it again");
    }
  }

  boolean sweepPending(int gen) {
    return sweepCursor[gen] >= 0;
  }

  /**
   * For tests: points the pending lazy sweep of {@code gen} at other slots, as a bug that forgot to
   * move them on would.
   */
  void setLazySweepRange(int gen, int cursor, int fence) {
    sweepCursor[gen] = cursor;
    sweepFence[gen] = fence;
  }

  // ------------------------------------------------------------------ integrity

  /** Checks every list against the table and the counts; adds what is wrong to {@code problems}. */
  void verify(List<String> problems) {
    long counted = 0;
    for (int g = 0; g < generations; g++) {
      long n = 0;
      long cursorAt = -1;
      long fenceAt = -1;
      boolean whole = true;
      for (int s = lists.head(g); s >= 0; s = lists.next(s)) {
        if (table.cellAt(s) < 0 || table.generationAt(s) != g) {
          problems.add("generation list " + g + " holds slot " + s + " wrongly");
          whole = false;
          break;
        }
        if (s == sweepCursor[g]) {
          cursorAt = n;
        }
        if (s == sweepFence[g]) {
          fenceAt = n;
        }
        n++;
      }
      if (n != lists.count(g)) {
        problems.add("generation " + g + " counts " + lists.count(g) + " but lists " + n);
      }
      if (whole && sweepCursor[g] >= 0) {
        verifyLazySweep(g, cursorAt, fenceAt, problems);
      }
      counted += n;
    }
    if (counted != objects) {
      problems.add("heap counts " + objects + " objects but generation lists hold " + counted);
    }
  }

  /**
   * A pending lazy sweep of {@code gen} walks from its cursor towards the head and stops at its
   * fence, so both must be on the list (positions counted from the head) with the fence not past
   * the cursor; {@link #unlink} moves them on when their objects leave. Otherwise a step would read
   * the links of a freed slot, or run past the objects the sweep began with.
   */
  private void verifyLazySweep(int gen, long cursorAt, long fenceAt, List<String> problems) {
    if (cursorAt < 0 || fenceAt < 0) {
      problems.add(
          "the lazy sweep of generation "
              + gen
              + " has its "
              + (cursorAt < 0
                  ? "cursor at slot " + sweepCursor[gen]
                  : "fence at slot " + sweepFence[gen])
              + ", which is not on that generation's list");
    } else if (fenceAt > cursorAt) {
      problems.add(
          "the lazy sweep of generation "
              + gen
              + " has its fence (slot "
              + sweepFence[gen]
              + ") past its cursor (slot "
              + sweepCursor[gen]
              + "), so it would run beyond the objects it began with");
    }
  }
}
