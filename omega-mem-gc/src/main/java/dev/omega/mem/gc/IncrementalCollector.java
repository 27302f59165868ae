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
 * reachable is white. White objects are unreachable and the heap clears weak references to them
 * when the lazy sweep begins, so no mutator can reach one while it waits to be swept; objects
 * allocated after marking are outside the sweep. A new cycle starts only after the sweep ends.
 * Threshold and background collections do one step (of marking or of sweeping); explicit and
 * allocation-failure ones finish the cycle.
 */
final class IncrementalCollector extends AbstractCollector {
  static final String NAME = "incremental";
  private static final int STEP_EVERY_ALLOCATIONS = 1_000;

  private final LongStack grey = new LongStack();
  private boolean marking;
  private boolean sweeping;
  private int epoch;
  private long allocationsSinceStep;

  IncrementalCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, 1);
  }

  @Override
  public void onAllocate(long object) {
    if (marking) {
      heap.setMark(object, epoch);
      allocationsSinceStep++;
    } else if (sweeping) {
      allocationsSinceStep++;
    }
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (marking && newTarget != 0) {
      shade(newTarget);
    }
  }

  @Override
  public void onRootAdded(long object) {
    if (marking) {
      shade(object);
    }
  }

  @Override
  protected void verifyOwnState(List<String> problems) {
    if (!marking && grey.size() > 0) {
      problems.add(grey.size() + " objects are grey while no marking cycle runs");
    }
  }

  private void shade(long object) {
    if (heap.mark(object) != epoch) {
      heap.setMark(object, epoch);
      grey.push(object);
    }
  }

  @Override
  public boolean wantsCollection() {
    return (marking || sweeping) && allocationsSinceStep >= STEP_EVERY_ALLOCATIONS;
  }

  @Override
  protected boolean shouldCollectInBackground() {
    return marking || sweeping || super.shouldCollectInBackground();
  }

  /** Whether a marking cycle is in progress. */
  boolean isMarking() {
    return marking;
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
    if (!marking) {
      pause(this::startCycle);
      if (!finish) {
        return true;
      }
    }
    if (finish) {
      while (!pauseStep(budget)) {
        // keep stepping: each step is its own bounded pause, mutators run in between
      }
      pause(() -> finishCycle(false));
      collectionsPerGeneration[0]++;
      return true;
    }
    if (pauseStep(budget)) {
      pause(() -> finishCycle(true));
      collectionsPerGeneration[0]++;
    }
    return true;
  }

  private void startCycle() {
    epoch = epoch + 1 == 0 ? 1 : epoch + 1;
    grey.clear();
    marking = true;
    heap.forEachRoot(this::shade);
  }

  /** One bounded marking step; true when the grey stack is empty. */
  private boolean pauseStep(long budget) {
    boolean[] done = new boolean[1];
    pause(
        () -> {
          allocationsSinceStep = 0;
          done[0] = drainGrey(grey, this::scan, budget / 2);
        });
    return done[0];
  }

  private void scan(long object) {
    if (!heap.isLive(object)) {
      return;
    }
    LongStack children = children(object);
    for (int i = 0; i < children.size(); i++) {
      shade(children.get(i));
    }
  }

  /** Ends marking; sweeps now, or lazily in later bounded steps. */
  private void finishCycle(boolean lazily) {
    heap.forEachRoot(this::shade);
    while (!grey.isEmpty()) {
      scan(grey.pop());
    }
    if (lazily) {
      beginLazySweep(epoch);
      sweeping = true;
    } else {
      sweepUnmarked(epoch);
    }
    marking = false;
  }
}
