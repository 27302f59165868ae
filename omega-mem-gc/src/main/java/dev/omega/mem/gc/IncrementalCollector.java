package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import java.util.List;

/**
 * {@code incremental}: tri-colour marking in steps of at most {@code max_pause_time}.
 *
 * <p>Design note. Colours: white = mark word is not the cycle's epoch; grey = marked and on the
 * work stack; black = marked and scanned. A cycle: (1) a short pause marks the roots grey; (2)
 * steps pop and scan grey objects until the stack is empty or the step's budget is spent; (3) a
 * final pause re-marks roots (scopes opened since) and drains the stack; (4) white objects are
 * freed: by lazy sweep steps of the same budget ({@link HeapAccess#beginSweep}), or at once when
 * the collection must finish (explicit or allocation failure).
 *
 * <p>Between steps mutators run. A Dijkstra insertion barrier keeps the strong tri-colour invariant
 * (no black object points to a white one): while marking, every reference written and every new
 * root is shaded grey; objects allocated while marking are born black. So at the end nothing
 * reachable is white. The marking itself (grey stack, shading, bounded steps) is the {@link
 * IncrementalMarker} the generational collector uses too, over every generation here. White objects
 * are unreachable and the heap clears weak references to them when the lazy sweep begins, so no
 * mutator can reach one while it waits to be swept; objects allocated after marking are outside the
 * sweep, and are born black too, so that while the sweep is pending every reachable object carries
 * the cycle's mark. A new cycle starts only after the sweep ends. Threshold and background
 * collections do one step (of marking or of sweeping); explicit and allocation-failure ones finish
 * the cycle.
 *
 * <p>What {@link #verifyOwnState} checks, by phase. Marking: every grey entry is live and marked;
 * every root is marked; no black object points to a white one. Sweeping: nothing is grey, and every
 * object the roots reach carries the cycle's mark. Idle: nothing is grey, and every object carries
 * the last cycle's mark or 0 (allocated since). In every phase a lazy sweep is pending only while
 * the collector is sweeping.
 */
final class IncrementalCollector extends AbstractCollector {
  static final String NAME = "incremental";
  private static final int STEP_EVERY_ALLOCATIONS = 1_000;

  private final IncrementalMarker marker;
  private boolean sweeping;
  private int epoch;
  private long allocationsSinceStep;

  IncrementalCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, 1);
    this.marker = new IncrementalMarker(heap, clock);
  }

  @Override
  public void onAllocate(long object) {
    if (marker.isMarking() || sweeping) {
      // While sweeping the mark changes nothing (the sweep never reaches a new object), but it
      // lets verifyOwnState require the cycle's mark of every reachable object until it ends.
      marker.bornBlack(object);
      allocationsSinceStep++;
    }
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (newTarget != 0 && marker.isMarking()) {
      marker.shade(newTarget);
    }
  }

  @Override
  public void onRootAdded(long object) {
    if (marker.isMarking()) {
      marker.shade(object);
    }
  }

  @Override
  protected void verifyOwnState(List<String> problems) {
    for (int g = 0; g < heap.generations(); g++) {
      if (!sweeping && heap.sweepPending(g)) {
        // The next cycle's beginSweep of it would throw, and its garbage would wait for it.
        problems.add(
            "a lazy sweep of generation " + g + " is pending but the collector is not sweeping");
      }
    }
    LongStack grey = marker.greyStack();
    if (marker.isMarking()) {
      verifyMarking(grey, problems);
      return;
    }
    if (grey.size() > 0) {
      problems.add(grey.size() + " objects are grey while no marking cycle runs");
    }
    if (sweeping) {
      verifyReachableAreMarked(problems);
    } else {
      verifySweptMarks(epoch, problems);
    }
  }

  /**
   * Between marking steps: what the barrier and the scan keep, so that marking misses nothing. Grey
   * entries are live and marked (shading marks before it pushes; nothing is freed while marking);
   * roots are marked (shaded when the cycle starts or when they become roots; the final pause
   * shades them again, so a white root means a barrier missed a root hold, not yet that an object
   * will be lost); and no black object (marked, not grey) points to a white one (a scan shades
   * every child, the barrier every new target, and objects born while marking have no children
   * yet).
   */
  private void verifyMarking(LongStack grey, List<String> problems) {
    LongHashSet greySet = new LongHashSet();
    long[] badGrey = new long[2]; // how many, and the first one's id
    for (int i = 0; i < grey.size(); i++) {
      long object = grey.get(i);
      if (!heap.isLive(object) || heap.mark(object) != epoch) {
        if (badGrey[0]++ == 0) {
          badGrey[1] = object;
        }
      } else {
        greySet.add(object);
      }
    }
    if (badGrey[0] > 0) {
      problems.add(
          badGrey[0]
              + " grey entries are freed or do not carry the cycle's mark ("
              + epoch
              + "), the first: object "
              + badGrey[1]);
    }
    long[] whiteRoots = new long[2];
    heap.forEachRoot(
        root -> {
          if (heap.mark(root) != epoch && whiteRoots[0]++ == 0) {
            whiteRoots[1] = root;
          }
        });
    if (whiteRoots[0] > 0) {
      problems.add(
          whiteRoots[0]
              + " root holds are on white objects while marking, the first: object "
              + whiteRoots[1]);
    }
    long[] blackToWhite = new long[4]; // how many, and the first's source, slot and target
    heap.forEachObject(
        object -> {
          if (heap.mark(object) != epoch || greySet.contains(object)) {
            return;
          }
          for (int slot = 0; slot < heap.referenceSlots(object); slot++) {
            long target = heap.reference(object, slot);
            if (target != 0 && heap.mark(target) != epoch && blackToWhite[0]++ == 0) {
              blackToWhite[1] = object;
              blackToWhite[2] = slot;
              blackToWhite[3] = target;
            }
          }
        });
    if (blackToWhite[0] > 0) {
      problems.add(
          blackToWhite[0]
              + " references go from a black object to a white one while marking, the first: object "
              + blackToWhite[1]
              + " slot "
              + blackToWhite[2]
              + " to object "
              + blackToWhite[3]);
    }
  }

  /**
   * While the lazy sweep is pending: marking ended with every reachable object marked, objects born
   * since are marked, and no white object can be reached again, so an unmarked reachable object
   * would be freed while a mutator can still use it.
   */
  private void verifyReachableAreMarked(List<String> problems) {
    long[] white = new long[2]; // how many, and the first one's id
    reachableFromRoots()
        .forEach(
            object -> {
              if (heap.mark(object) != epoch && white[0]++ == 0) {
                white[1] = object;
              }
            });
    if (white[0] > 0) {
      problems.add(
          white[0]
              + " reachable objects lack the cycle's mark ("
              + epoch
              + ") while its lazy sweep is pending, the first: object "
              + white[1]);
    }
  }

  /** The grey stack, for tests that corrupt it as a broken marker or barrier would. */
  LongStack greyStack() {
    return marker.greyStack();
  }

  /** Whether a lazy sweep started by the last cycle is still under way. */
  boolean isSweeping() {
    return sweeping;
  }

  @Override
  public boolean wantsCollection() {
    return (marker.isMarking() || sweeping) && allocationsSinceStep >= STEP_EVERY_ALLOCATIONS;
  }

  @Override
  protected boolean shouldCollectInBackground() {
    return marker.isMarking() || sweeping || super.shouldCollectInBackground();
  }

  /** Whether a marking cycle is in progress. */
  boolean isMarking() {
    return marker.isMarking();
  }

  @Override
  protected boolean collectNow(CollectionCause cause) {
    boolean finish =
        cause == CollectionCause.EXPLICIT || cause == CollectionCause.ALLOCATION_FAILURE;
    long budget = config.maxPauseTime().toNanos();
    if (sweeping) {
      allocationsSinceStep = 0;
      if (!finish) {
        sweeping = !lazySweepStep(budget / 2);
        return true;
      }
      pause(this::finishLazySweep);
      sweeping = false;
    }
    if (finish && marker.isMarking()) {
      // The running cycle keeps what it marked and everything born since; a collection that must
      // leave exactly the reachable objects (a rollback's, a failed restore's, the deterministic
      // heap's before it runs out) drops it and marks afresh, as the generational collector does.
      pause(marker::abandon);
    }
    if (!marker.isMarking()) {
      pause(this::startCycle);
      if (!finish) {
        return true;
      }
    }
    if (finish) {
      while (!markStep(budget)) {
        // keep stepping: each step is its own bounded pause, mutators run in between
      }
      pause(() -> finishCycle(false));
      counters().collected(0);
      return true;
    }
    if (markStep(budget)) {
      pause(() -> finishCycle(true));
      counters().collected(0);
    }
    return true;
  }

  private void startCycle() {
    epoch = epoch + 1 == 0 ? 1 : epoch + 1;
    marker.start(epoch, heap.generations() - 1);
  }

  /** One bounded marking step; true when the grey stack is empty. */
  private boolean markStep(long budget) {
    return stepPaused(
        () -> {
          allocationsSinceStep = 0;
          return marker.step(this::scan, budget / 2);
        });
  }

  private void scan(long object) {
    if (!heap.isLive(object)) {
      return;
    }
    LongStack children = children(object);
    for (int i = 0; i < children.size(); i++) {
      marker.shade(children.get(i));
    }
  }

  /** Ends marking; sweeps now, or lazily in later bounded steps. */
  private void finishCycle(boolean lazily) {
    marker.finish(this::scan);
    if (lazily) {
      beginLazySweep(epoch);
      sweeping = true;
    } else {
      sweepUnmarked(epoch);
    }
  }
}
