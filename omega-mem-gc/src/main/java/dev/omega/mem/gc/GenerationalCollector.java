package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import java.util.List;
import java.util.function.LongConsumer;

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
 *
 * <p>Pauses: the oldest generation is swept lazily after a threshold or background collection of
 * it: the pause ends after marking, and its garbage is freed by later steps of at most half of
 * {@code max_pause_time} (every {@value #SWEEP_STEP_EVERY_ALLOCATIONS} allocations and on the
 * background thread), so a full collection's pause grows with the live objects, not with the
 * garbage. Young collections go on meanwhile; a new collection of the oldest generation waits for
 * the sweep to end.
 */
final class GenerationalCollector extends AbstractCollector {
  static final String NAME = "generational";
  static final int OLDER_THRESHOLD = 10;
  private static final int SWEEP_STEP_EVERY_ALLOCATIONS = 1_000;

  private final int generations;
  private final long[] collectionsSinceOlder;
  private final LongHashSet remembered = new LongHashSet();
  private final LongStack markStack = new LongStack();
  private final LongStack youngerAfter = new LongStack();
  private final LongConsumer promotedCounter = object -> objectsPromoted++;
  private long allocatedSinceYoung;
  private long allocatedSinceSweepStep;
  private boolean sweeping;
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
    allocatedSinceSweepStep++;
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (newTarget != 0 && heap.generation(source) > heap.generation(newTarget)) {
      remembered.add(source);
    }
  }

  @Override
  public boolean wantsCollection() {
    return (generations > 1 && allocatedSinceYoung >= config.youngGenerationThreshold())
        || (sweeping && allocatedSinceSweepStep >= SWEEP_STEP_EVERY_ALLOCATIONS);
  }

  @Override
  protected boolean shouldCollectInBackground() {
    return sweeping || super.shouldCollectInBackground();
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
    boolean finish =
        cause == CollectionCause.EXPLICIT || cause == CollectionCause.ALLOCATION_FAILURE;
    int oldest = generations - 1;
    if (sweeping) {
      allocatedSinceSweepStep = 0;
      if (finish) {
        pause(this::finishLazySweep);
        sweeping = false;
      } else {
        sweeping = !lazySweepStep(config.maxPauseTime().toNanos() / 2);
        if (generations == 1 || allocatedSinceYoung < config.youngGenerationThreshold()) {
          return true;
        }
      }
    }
    int wanted = oldestToCollect(cause);
    // The oldest generation's marks are the pending sweep's input: no new oldest collection yet.
    int upTo = sweeping ? Math.min(wanted, oldest - 1) : wanted;
    boolean lazily = !finish && upTo == oldest;
    pause(() -> collectUpTo(upTo, lazily));
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

  /**
   * Collects generations 0..upTo. Runs stopped. With {@code lazily}, the oldest generation (whose
   * survivors stay where they are) is swept by later bounded steps instead of in this pause.
   */
  void collectUpTo(int upTo, boolean lazily) {
    int current = ++epoch == 0 ? ++epoch : epoch;
    LongStack stack = markStack;
    stack.clear();
    heap.forEachRoot(
        root -> {
          if (heap.generation(root) <= upTo) {
            stack.push(root);
          }
        });
    if (upTo < generations - 1) {
      remembered.forEach(
          source -> {
            if (heap.isLive(source) && heap.generation(source) > upTo) {
              pushYoungChildren(source, upTo, current, stack);
            }
          });
    }
    while (!stack.isEmpty()) {
      long object = stack.pop();
      if (heap.mark(object) == current) {
        continue;
      }
      heap.setMark(object, current);
      if (markChildren(object, upTo, current, stack)) {
        youngerAfter.push(object);
      }
    }
    for (int g = upTo; g >= 0; g--) {
      int gen = g;
      int target = targetOf(g);
      long before = objectsPromoted;
      if (lazily && gen == generations - 1) {
        heap.beginSweep(gen, current);
        sweeping = heap.sweepPending(gen);
      } else {
        sweepGeneration(gen, current, target, promotedCounter);
      }
      if (target != gen && target == generations - 1) {
        promotedIntoOldest += objectsPromoted - before;
      }
    }
    if (upTo == generations - 1) {
      promotedIntoOldest = 0;
    }
    remembered.removeIf(source -> !heap.isLive(source) || !pointsYounger(source));
    for (int i = 0; i < youngerAfter.size(); i++) {
      remembered.add(youngerAfter.get(i));
    }
    youngerAfter.clear();
    allocatedSinceYoung = 0;
  }

  /** Where survivors of generation {@code g} go: one generation up, the oldest stays. */
  private int targetOf(int g) {
    return Math.min(g + 1, generations - 1);
  }

  /**
   * Pushes {@code object}'s unmarked children in generations 0..upTo and says whether it will point
   * to a younger generation once survivors have moved. A child in generation g' goes to
   * targetOf(g'), the object to targetOf(its generation); children above upTo stay, at or above the
   * object's target. Deciding this while the children's generations are being read anyway saves a
   * second walk over every survivor's slots after the sweep.
   */
  private boolean markChildren(long object, int upTo, int current, LongStack stack) {
    int target = targetOf(heap.generation(object));
    boolean younger = false;
    int slots = heap.referenceSlots(object);
    for (int i = 0; i < slots; i++) {
      long child = heap.reference(object, i);
      if (child != 0) {
        int childGen = heap.generation(child);
        if (childGen <= upTo) {
          younger |= targetOf(childGen) < target;
          if (heap.mark(child) != current) {
            stack.push(child);
          }
        }
      }
    }
    return younger;
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
