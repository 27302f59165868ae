package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import java.util.List;

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
 * <p>Pauses. Young collections (generation 0 alone) stop the world; their cost follows the young
 * survivors. A collection of generations 0..k, k &gt; 0, asked for by the threshold or the
 * background thread is incremental, with the {@link IncrementalMarker} of {@code incremental}: a
 * short pause shades the roots in 0..k and, when older generations stay, the children in 0..k of
 * remembered objects; then marking pauses of at most half of {@code max_pause_time} (every {@value
 * #MARK_STEP_EVERY_ALLOCATIONS} allocations and on the background thread) scan grey objects, kept
 * correct between steps by a Dijkstra insertion barrier (written targets and new roots in 0..k are
 * shaded, new objects are born black). Young collections wait while it marks, so generations do not
 * change under it. The last pause re-shades the roots, drains what the barrier shaded and starts
 * lazy sweeps of 0..k: later steps of the same budget free the garbage and move each survivor up a
 * generation ({@link HeapAccess#beginSweep(int, int, int)}), so no pause sweeps or promotes a whole
 * generation. While survivors wait to move, the barrier also remembers references written from them
 * (they may point younger once moved), and young collections wait; the oldest generation's own
 * sweep goes on after that alongside young collections, and the next full collection waits for it.
 * While scanning, marking notes which survivors will point to a younger generation once promoted,
 * so the remembered set is brought up to date without a second walk. Explicit and
 * allocation-failure collections finish any pending sweep, drop any marking under way and run
 * stop-the-world, so they leave exactly the reachable objects.
 */
final class GenerationalCollector extends AbstractCollector {
  static final String NAME = "generational";
  static final int OLDER_THRESHOLD = 10;
  private static final int SWEEP_STEP_EVERY_ALLOCATIONS = 1_000;
  private static final int MARK_STEP_EVERY_ALLOCATIONS = 1_000;

  private final int generations;
  private final long[] collectionsSinceOlder;
  private final LongHashSet remembered = new LongHashSet();
  private final LongStack markStack = new LongStack();
  private final LongStack youngerAfter = new LongStack();
  private long allocatedSinceYoung;
  private long allocatedSinceSweepStep;
  private boolean sweeping;

  /** While {@link #sweeping}: the oldest generation the pending lazy sweeps are of. */
  private int sweepUpTo;

  /**
   * The incremental marking of a collection of generations 0..k, k &gt; 0 (see the class note);
   * {@link IncrementalMarker#upTo} is k while it is under way. Only objects in 0..k are shaded;
   * older ones are where tracing stops.
   */
  private final IncrementalMarker marker;

  private long allocatedSinceMarkStep;

  /**
   * While the survivors of an incremental collection are being promoted by lazy sweep steps: the
   * highest generation whose sweep moves them (the collection's k, below the oldest), else -1. A
   * survivor not reached yet is still in its old generation and carries {@link #promotionMark}.
   */
  private int promotingUpTo = -1;

  private int promotionMark;
  private boolean promotionIsFull;
  private long promotedIntoOldest;
  private int epoch;

  GenerationalCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, config.generationalCount());
    this.generations = config.generationalCount();
    this.collectionsSinceOlder = new long[generations];
    this.marker = new IncrementalMarker(heap, clock);
  }

  @Override
  public void onAllocate(long object) {
    allocatedSinceYoung++;
    allocatedSinceSweepStep++;
    if (marker.isMarking()) {
      marker.bornBlack(object);
      allocatedSinceMarkStep++;
    }
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (newTarget != 0) {
      int from = heap.generation(source);
      if (from > heap.generation(newTarget) || awaitsPromotion(source, from)) {
        // Barriers run on several mutator threads at once (CONCURRENT_MUTATORS); pauses, which
        // also use the set, run with every mutator stopped.
        synchronized (remembered) {
          remembered.add(source);
        }
      }
      if (marker.isMarking()) {
        marker.shade(newTarget);
      }
    }
  }

  @Override
  public void onRootAdded(long object) {
    if (marker.isMarking()) {
      marker.shade(object);
    }
  }

  /**
   * Whether {@code object} (in generation {@code gen}) is a survivor a pending sweep step will
   * still move up: a reference written from it may point younger once it has moved, so the barrier
   * remembers it (the set is trimmed when the promotion ends).
   */
  private boolean awaitsPromotion(long object, int gen) {
    return gen <= promotingUpTo && heap.mark(object) == promotionMark;
  }

  /**
   * Marks {@code object} with {@code mark} and pushes it on {@code stack}, unless it carries that
   * mark already, so an object enters the stack once: the push of the stop-the-world marker, and of
   * the scans that feed the incremental marker's grey stack. Inside a pause only, so without the
   * lock the barriers' shading takes.
   */
  private void greyIfUnmarked(long object, int mark, LongStack stack) {
    if (heap.mark(object) != mark) {
      heap.setMark(object, mark);
      stack.push(object);
    }
  }

  @Override
  public boolean wantsCollection() {
    if (marker.isMarking()) {
      // Young collections wait for the incremental marking, which steps instead.
      return allocatedSinceMarkStep >= MARK_STEP_EVERY_ALLOCATIONS;
    }
    return (generations > 1 && allocatedSinceYoung >= config.youngGenerationThreshold())
        || (sweeping && allocatedSinceSweepStep >= SWEEP_STEP_EVERY_ALLOCATIONS);
  }

  @Override
  protected boolean shouldCollectInBackground() {
    return sweeping || marker.isMarking() || super.shouldCollectInBackground();
  }

  /** Whether a full collection's incremental marking is under way, for tests. */
  boolean isMarkingOldGeneration() {
    return marker.upTo() == generations - 1;
  }

  /** Whether an incremental marking (of generations 0..k, k &gt; 0) is under way, for tests. */
  boolean isMarking() {
    return marker.isMarking();
  }

  /** Whether lazy sweep steps are still promoting an incremental collection's survivors. */
  boolean isPromoting() {
    return promotingUpTo >= 0;
  }

  /** The barrier's promise: every reference from an older to a younger object is remembered. */
  @Override
  protected void verifyOwnState(List<String> problems) {
    int grey = marker.greyStack().size();
    if (!marker.isMarking() && grey > 0) {
      problems.add(grey + " objects are grey while no incremental marking is under way");
    }
    if (promotingUpTo >= 0) {
      // Mid-promotion an object already moved up may point to a survivor not moved yet; no young
      // collection runs until every survivor has moved and the set is brought up to date.
      return;
    }
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
    long budget = config.maxPauseTime().toNanos() / 2;
    if (marker.isMarking()) {
      if (finish) {
        // Objects that died after being marked would float past this cycle; a collection that
        // must leave exactly the reachable objects drops it and marks afresh below.
        marker.abandon();
        youngerAfter.clear();
      } else {
        stepGeneration = marker.upTo();
        if (markStep(budget)) {
          pause(this::finishMarking);
        }
        return true;
      }
    }
    if (sweeping) {
      allocatedSinceSweepStep = 0;
      if (finish) {
        pause(
            () -> {
              finishLazySweep();
              endPromotion();
            });
        sweeping = false;
      } else {
        stepGeneration = sweepUpTo;
        sweeping = !lazySweepStep(budget);
        // Generations being promoted cannot be collected again until every survivor has moved.
        if (promotingUpTo >= 0
            || generations == 1
            || allocatedSinceYoung < config.youngGenerationThreshold()) {
          return true;
        }
      }
    }
    int wanted = oldestToCollect(cause);
    // The oldest generation's marks are the pending sweep's input: no new oldest collection yet.
    int upTo = sweeping ? Math.min(wanted, oldest - 1) : wanted;
    if (!finish && upTo > 0) {
      // Collections of older generations (not only the oldest) mark in bounded steps: in
      // binary-trees the long pauses were generation-1 collections promoting 200k objects.
      stepGeneration = upTo;
      pause(() -> startMarking(upTo));
      return true;
    }
    boolean lazily = !finish && upTo == oldest;
    pause(() -> collectUpTo(upTo, lazily));
    counted(upTo);
    return true;
  }

  private void counted(int upTo) {
    counters().collected(upTo);
    for (int g = 0; g < upTo; g++) {
      collectionsSinceOlder[g] = 0;
    }
    if (upTo + 1 < generations) {
      collectionsSinceOlder[upTo]++;
    }
  }

  private int nextEpoch() {
    return ++epoch == 0 ? ++epoch : epoch;
  }

  /**
   * First pause of an incremental collection of generations 0..upTo: shade the roots in them and,
   * when older generations stay, the children in them of remembered objects (the older objects that
   * point into them). References written from then on are shaded by the barrier.
   */
  private void startMarking(int upTo) {
    youngerAfter.clear();
    allocatedSinceMarkStep = 0;
    marker.start(nextEpoch(), upTo);
    markFromRemembered(upTo, epoch, marker.greyStack());
  }

  /**
   * When generations above {@code upTo} stay, marks the children in 0..upTo of remembered objects
   * (the older objects that point into 0..upTo): roots of a collection up to {@code upTo}.
   */
  private void markFromRemembered(int upTo, int mark, LongStack stack) {
    if (upTo < generations - 1) {
      remembered.forEach(
          source -> {
            if (heap.isLive(source) && heap.generation(source) > upTo) {
              markChildren(source, upTo, mark, stack); // a source stays put: result unused
            }
          });
    }
  }

  /** One bounded marking pause of a full collection; true when the grey stack is empty. */
  private boolean markStep(long budget) {
    return stepPaused(
        () -> {
          allocatedSinceMarkStep = 0; // mutators stopped, like the barrier's increments
          return marker.step(this::scanGrey, budget);
        });
  }

  /** Shades a grey object's children, noting whether it will point younger after promotion. */
  private void scanGrey(long object) {
    if (heap.isLive(object) && markChildren(object, marker.upTo(), epoch, marker.greyStack())) {
      youngerAfter.push(object);
    }
  }

  /**
   * Last pause of an incremental collection: roots again (scopes opened since), drain, then start
   * lazy sweeps of the generations it collected, which free the garbage and promote the survivors
   * in later steps of the same budget. (Sweeping and promoting 100k+ objects here made this the
   * longest pause of binary-trees.) A collection that must finish never gets here: it drops the
   * incremental marking and collects stop-the-world.
   */
  private void finishMarking() {
    int upTo = marker.upTo();
    marker.finish(this::scanGrey);
    for (int g = upTo; g >= 0; g--) {
      heap.beginSweep(g, epoch, targetOf(g));
    }
    // Survivors marking found pointing younger once promoted; lazily promoted or not, the
    // remembered set needs them before the next young collection.
    for (int i = 0; i < youngerAfter.size(); i++) {
      remembered.add(youngerAfter.get(i));
    }
    youngerAfter.clear();
    allocatedSinceYoung = 0;
    allocatedSinceSweepStep = 0; // the first step comes after as many allocations as the next
    promotionMark = epoch;
    promotionIsFull = upTo == generations - 1;
    promotingUpTo = Math.min(upTo, generations - 2);
    sweeping = true;
    sweepUpTo = upTo;
    afterLazySweepStep(); // nothing to promote if the young generations were empty
    counted(upTo);
  }

  @Override
  protected void afterLazySweepStep() {
    if (promotingUpTo < 0) {
      return;
    }
    for (int g = 0; g <= promotingUpTo; g++) {
      if (heap.sweepPending(g)) {
        return;
      }
    }
    endPromotion();
  }

  /**
   * Every survivor has moved: drops remembered entries that no longer point younger, and lets young
   * collections run again. Call inside a pause.
   */
  private void endPromotion() {
    if (promotingUpTo < 0) {
      return;
    }
    promotingUpTo = -1;
    if (promotionIsFull) {
      promotedIntoOldest = 0;
    }
    remembered.removeIf(source -> !heap.isLive(source) || !pointsYounger(source));
  }

  @Override
  protected void promoted(int generation, long objects) {
    if (targetOf(generation) == generations - 1 && generation != generations - 1) {
      promotedIntoOldest += objects;
    }
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
    int current = nextEpoch();
    LongStack stack = markStack;
    stack.clear();
    heap.forEachRoot(
        root -> {
          if (heap.generation(root) <= upTo) {
            greyIfUnmarked(root, current, stack);
          }
        });
    markFromRemembered(upTo, current, stack);
    while (!stack.isEmpty()) {
      long object = stack.pop();
      if (markChildren(object, upTo, current, stack)) {
        youngerAfter.push(object);
      }
    }
    sweepAndPromote(upTo, current, lazily);
  }

  /**
   * After marking generations 0..upTo with {@code current}: frees the unmarked, promotes the
   * survivors, and brings the remembered set up to date from {@link #youngerAfter}.
   */
  private void sweepAndPromote(int upTo, int current, boolean lazily) {
    for (int g = upTo; g >= 0; g--) {
      if (lazily && g == generations - 1) {
        heap.beginSweep(g, current);
        sweeping = heap.sweepPending(g);
        sweepUpTo = g;
      } else {
        sweepGeneration(g, current, targetOf(g)); // promoted() counts moves into the oldest
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
   * Marks and pushes {@code object}'s unmarked children in generations 0..upTo (the step of both
   * the stop-the-world and the incremental marker) and says whether it will point to a younger
   * generation once survivors have moved. A child in generation g' goes to targetOf(g'), the object
   * to targetOf(its generation); children above upTo stay, at or above the object's target.
   * Deciding this while the children's generations are being read anyway saves a second walk over
   * every survivor's slots after the sweep.
   */
  private boolean markChildren(long object, int upTo, int mark, LongStack stack) {
    int target = targetOf(heap.generation(object));
    boolean younger = false;
    LongStack children = children(object);
    for (int i = 0; i < children.size(); i++) {
      long child = children.get(i);
      int childGen = heap.generation(child);
      if (childGen <= upTo) {
        younger |= targetOf(childGen) < target;
        greyIfUnmarked(child, mark, stack);
      }
    }
    return younger;
  }

  private boolean pointsYounger(long object) {
    int gen = heap.generation(object);
    LongStack children = children(object);
    for (int i = 0; i < children.size(); i++) {
      if (heap.generation(children.get(i)) < gen) {
        return true;
      }
    }
    return false;
  }
}
