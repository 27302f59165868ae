package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code generational}: {@code generational_count} generations, young ones collected on their own.
 *
 * <p>Design note. Terms: collecting "up to k" traces and sweeps generations 0..k; survivors are
 * promoted one generation (the oldest keeps its own). Roots of a collection up to k are the heap
 * roots in generations 0..k plus the <em>remembered set</em>: objects in generations above k that
 * hold a reference into 0..k. The barrier adds a source to the remembered set when it writes a
 * reference from an older object to a younger one; after each collection, promoted survivors whose
 * slots still point younger are added, and entries that no longer point younger are dropped. Cost
 * of a young collection: O(roots + remembered + young objects + their edges), independent of the
 * old generations' size.
 *
 * <p>Policy (after CPython's gc): generation 0 is collected when {@code young_generation_threshold}
 * objects (default 10,000) were allocated since its last collection (CPython uses 700; runtimes
 * allocate ours in bulk, so the default is larger); generation i &gt; 0 after {@value
 * #OLDER_THRESHOLD} collections of generation i - 1; the oldest only when, in addition, the objects
 * promoted into it since its last collection exceed 25 % of it (CPython's rule that keeps full
 * collections linear). Explicit and allocation-failure collections are full.
 */
final class GenerationalCollector extends AbstractCollector {
  static final String NAME = "generational";
  static final int OLDER_THRESHOLD = 10;

  private final int generations;
  private final long[] collectionsSinceOlder;
  private final Set<Long> remembered = new HashSet<>();
  private long allocatedSinceYoung;
  private long promotedIntoOldest;
  private int epoch;

  GenerationalCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, config.generationalCount());
    this.generations = config.generationalCount();
    this.collectionsSinceOlder = new long[generations];
  }

  @Override
  public void onAllocate(long object) {
    allocatedSinceYoung++;
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (newTarget != 0 && heap.generation(source) > heap.generation(newTarget)) {
      remembered.add(source);
    }
  }

  @Override
  public boolean wantsCollection() {
    return generations > 1 && allocatedSinceYoung >= config.youngGenerationThreshold();
  }

  /** The barrier's promise: every reference from an older to a younger object is remembered. */
  @Override
  protected void verifyOwnState(List<String> problems) {
    heap.forEachObject(
        object -> {
          int from = heap.generation(object);
          for (int slot = 0; slot < heap.referenceSlots(object); slot++) {
            long target = heap.reference(object, slot);
            if (target != 0 && heap.generation(target) < from && !remembered.contains(object)) {
              problems.add(
                  "object "
                      + object
                      + " (generation "
                      + from
                      + ") refers to a younger object in slot "
                      + slot
                      + " but is not in the remembered set");
            }
          }
        });
  }

  /** Remembered-set size, for tests and statistics. */
  int rememberedSetSize() {
    return remembered.size();
  }

  @Override
  protected boolean collectNow(CollectionCause cause) {
    int upTo = oldestToCollect(cause);
    pause(() -> collectUpTo(upTo));
    collectionsPerGeneration[upTo]++;
    for (int g = 0; g < upTo; g++) {
      collectionsSinceOlder[g] = 0;
    }
    if (upTo + 1 < generations) {
      collectionsSinceOlder[upTo]++;
    }
    return true;
  }

  private int oldestToCollect(CollectionCause cause) {
    int oldest = generations - 1;
    if (cause == CollectionCause.EXPLICIT || cause == CollectionCause.ALLOCATION_FAILURE) {
      return oldest;
    }
    int upTo = 0;
    while (upTo < oldest && collectionsSinceOlder[upTo] >= OLDER_THRESHOLD) {
      upTo++;
    }
    if (upTo == oldest && oldest > 0) {
      if (promotedIntoOldest * 4 < heap.objectsInGeneration(oldest)) {
        return oldest - 1;
      }
    }
    return upTo;
  }

  /** Collects generations 0..upTo. Runs stopped. */
  void collectUpTo(int upTo) {
    int current = ++epoch == 0 ? ++epoch : epoch;
    LongStack stack = new LongStack();
    heap.forEachRoot(
        root -> {
          if (heap.generation(root) <= upTo) {
            stack.push(root);
          }
        });
    if (upTo < generations - 1) {
      for (long source : remembered) {
        if (heap.isLive(source) && heap.generation(source) > upTo) {
          pushYoungChildren(source, upTo, current, stack);
        }
      }
    }
    while (!stack.isEmpty()) {
      long object = stack.pop();
      if (heap.mark(object) == current) {
        continue;
      }
      heap.setMark(object, current);
      pushYoungChildren(object, upTo, current, stack);
    }
    LongStack promoted = new LongStack();
    for (int g = upTo; g >= 0; g--) {
      int gen = g;
      int target = Math.min(g + 1, generations - 1);
      int before = promoted.size();
      heap.forEachObjectInGeneration(
          gen,
          object -> {
            if (heap.mark(object) != current) {
              release(object);
            } else if (target != gen) {
              heap.setGeneration(object, target);
              promoted.push(object);
            }
          });
      if (target != gen && target == generations - 1) {
        promotedIntoOldest += promoted.size() - before;
      }
    }
    objectsPromoted += promoted.size();
    if (upTo == generations - 1) {
      promotedIntoOldest = 0;
    }
    remembered.removeIf(source -> !heap.isLive(source) || !pointsYounger(source));
    for (int i = 0; i < promoted.size(); i++) {
      long object = promoted.get(i);
      if (pointsYounger(object)) {
        remembered.add(object);
      }
    }
    allocatedSinceYoung = 0;
  }

  private void pushYoungChildren(long object, int upTo, int current, LongStack stack) {
    int slots = heap.referenceSlots(object);
    for (int i = 0; i < slots; i++) {
      long child = heap.reference(object, i);
      if (child != 0 && heap.generation(child) <= upTo && heap.mark(child) != current) {
        stack.push(child);
      }
    }
  }

  private boolean pointsYounger(long object) {
    int gen = heap.generation(object);
    int slots = heap.referenceSlots(object);
    for (int i = 0; i < slots; i++) {
      long child = heap.reference(object, i);
      if (child != 0 && heap.generation(child) < gen) {
        return true;
      }
    }
    return false;
  }
}
