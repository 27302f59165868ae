package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.spi.BackgroundCollection;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.HeapEvents;
import dev.omega.mem.spi.PauseRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What every built-in collector shares: the background cycle, the {@link CollectorCounters} that
 * its statistics come from, and the pause histogram. It uses only {@link HeapAccess}, like a user's
 * collector would. A subclass implements {@link #collectNow} and, if it needs them, the barriers of
 * {@link HeapEvents}; the heap installs those once the provider has returned the collector, so no
 * barrier runs on a collector whose constructor has not finished.
 *
 * <p>Thread safety: collections are serialised by {@link #collecting}; the background thread is
 * started and stopped under {@code this}.
 */
abstract class AbstractCollector implements GarbageCollector, HeapEvents {
  protected final GarbageCollectorConfig config;
  protected final HeapAccess heap;
  private final String name;
  private final ReentrantLock collecting = new ReentrantLock();
  private final PauseRecorder pauses = new PauseRecorder();
  private final CollectorCounters counters;
  private final List<CollectionListener> listeners = new CopyOnWriteArrayList<>();
  private long pauseNanosThisCollection;
  private final BackgroundCollection background;

  /** What step budgets are measured by: counted work on a deterministic heap. */
  protected final StepClock clock;

  AbstractCollector(
      String name, GarbageCollectorConfig config, HeapAccess heap, int generationSlots) {
    this.name = name;
    this.config = config;
    this.heap = heap;
    this.counters = new CollectorCounters(generationSlots);
    this.clock = StepClock.of(config);
    this.background =
        new BackgroundCollection(
            "omega-gc-" + name,
            Duration.ofMillis(Math.min(50, config.maxPauseTime().toMillis())),
            this::shouldCollectInBackground,
            () -> collect(CollectionCause.BACKGROUND));
  }

  @Override
  public final String name() {
    return name;
  }

  /**
   * Does the work for {@code cause}, pausing mutators with {@link HeapAccess#stopTheWorld} as it
   * needs (and recording each pause with {@link #pause}). Called with {@link #collecting} held.
   *
   * @return whether a collection (or a step of one) ran
   */
  protected abstract boolean collectNow(CollectionCause cause);

  /**
   * The oldest generation a step worked on that finishes no collection (a marking or sweeping step
   * of an older generation's collection), for the step's {@link CollectionEvent}; -1 when only
   * finished collections tell. {@link #collectNow} sets it; {@link #collect} clears it first.
   */
  protected int stepGeneration = -1;

  /**
   * What this collector has done: a subclass counts its collections, frees and cycles here. Read
   * and written with {@link #collecting} held (inside {@link #collectNow}), except {@link
   * CollectorCounters#freedPromptly}, which a barrier may call.
   */
  protected final CollectorCounters counters() {
    return counters;
  }

  /** Runs {@code work} stopped and records the pause. */
  protected final void pause(Runnable work) {
    record(heap.stopTheWorld(work));
  }

  /** Runs {@code work} stopped, records the pause, and returns what {@code work} returned. */
  protected final <T> T pauseFor(Supplier<T> work) {
    HeapAccess.Pause<T> pause = heap.stopTheWorldFor(work);
    record(pause.nanos());
    return pause.value();
  }

  /**
   * Runs one bounded step stopped, records the pause, and returns whether the step said it
   * finished: false if it did not run (the heap closed meanwhile), so the caller's state stays as
   * it was.
   */
  protected final boolean stepPaused(BooleanSupplier step) {
    return Boolean.TRUE.equals(pauseFor(step::getAsBoolean));
  }

  private void record(long nanos) {
    pauses.record(nanos);
    pauseNanosThisCollection += nanos;
  }

  /** Slots most objects have at most: the room a bulk read of children asks for first. */
  private static final int USUAL_SLOTS = 16;

  /**
   * Pushes {@code object}'s live children on {@code stack} with one {@link HeapAccess#references}
   * call, and returns how many.
   */
  protected final int pushChildren(long object, LongStack stack) {
    return pushChildren(heap, object, stack);
  }

  /** {@link #pushChildren(long, LongStack)} on {@code heap}: for tracers that are no collector. */
  static int pushChildren(HeapAccess heap, long object, LongStack stack) {
    int at = stack.size();
    int children = heap.references(object, stack.room(USUAL_SLOTS), at);
    if (children < 0) {
      children = heap.references(object, stack.room(-children), at);
    }
    stack.extend(children);
    return children;
  }

  private final LongStack childScratch = new LongStack();

  /**
   * {@code object}'s live children, in a scratch stack that the next call reuses: for a scan that
   * looks at each child before pushing it.
   */
  protected final LongStack children(long object) {
    childScratch.clear();
    pushChildren(object, childScratch);
    return childScratch;
  }

  /**
   * Frees every object whose mark word is not {@code epoch}: the sweep of the tracing collectors.
   * Call inside a pause.
   */
  protected final void sweepUnmarked(int epoch) {
    for (int g = 0; g < heap.generations(); g++) {
      sweepGeneration(g, epoch, g);
    }
  }

  /**
   * Sweeps one generation with {@link HeapAccess#sweep} and counts what it freed; returns what it
   * did. Call inside a pause.
   */
  protected final HeapAccess.Swept sweepGeneration(
      int generation, int epoch, int survivorGeneration) {
    // The built-in collectors need only how many moved (Swept.moved), not the ids.
    HeapAccess.Swept swept = heap.sweep(generation, epoch, survivorGeneration, id -> {});
    count(generation, swept);
    return swept;
  }

  /** Objects a lazy sweep looks at between two looks at the clock (about 25 µs of work). */
  static final int SWEEP_BATCH = 1024;

  /**
   * Starts lazy sweeps of every generation with objects whose mark is not {@code epoch} (see {@link
   * HeapAccess#beginSweep}). Call inside the pause that ends marking.
   */
  protected final void beginLazySweep(int epoch) {
    for (int g = 0; g < heap.generations(); g++) {
      if (heap.objectsInGeneration(g) > 0) {
        heap.beginSweep(g, epoch);
      }
    }
  }

  /**
   * Runs the pending lazy sweeps in one pause of about {@code budgetNanos}; returns true when none
   * is left.
   */
  protected final boolean lazySweepStep(long budgetNanos) {
    return stepPaused(
        () -> {
          long started = clock.nanoTime();
          try {
            for (int g = 0; g < heap.generations(); g++) {
              while (heap.sweepPending(g)) {
                count(g, heap.sweepSome(g, SWEEP_BATCH));
                if (clock.nanoTime() - started > budgetNanos) {
                  // The batch that spent the budget may have been the last one.
                  return !anySweepPending();
                }
              }
            }
            return true;
          } finally {
            afterLazySweepStep();
          }
        });
  }

  private boolean anySweepPending() {
    for (int g = 0; g < heap.generations(); g++) {
      if (heap.sweepPending(g)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Called at the end of each {@link #lazySweepStep}, inside its pause: a collector whose sweeps
   * also promote finishes its promotion here once the young generations are swept.
   */
  protected void afterLazySweepStep() {}

  /** Finishes every pending lazy sweep. Call inside a pause. */
  protected final void finishLazySweep() {
    for (int g = 0; g < heap.generations(); g++) {
      while (heap.sweepPending(g)) {
        count(g, heap.sweepSome(g, Integer.MAX_VALUE));
      }
    }
  }

  private void count(int generation, HeapAccess.Swept swept) {
    counters.swept(swept);
    if (swept.moved() > 0) {
      promoted(generation, swept.moved());
    }
  }

  /**
   * Called when a sweep of {@code generation} (eager or a lazy step) moved {@code objects}
   * survivors; they are already counted in {@link #counters()}. For a collector's own policy.
   */
  protected void promoted(int generation, long objects) {}

  /**
   * Takes {@link #collecting} at a safepoint: a mutator thread inside the heap that waits here
   * while another thread's collection holds the lock must not hold that collection's pause up.
   */
  private void lockCollecting() {
    heap.atSafepoint(
        () -> {
          collecting.lock();
          return null;
        });
  }

  @Override
  public final boolean collect(CollectionCause cause) {
    CollectionEvent event = null;
    lockCollecting();
    try {
      if (listeners.isEmpty()) {
        return collectNow(cause);
      }
      CollectorCounters.Reading before = counters.read();
      pauseNanosThisCollection = 0;
      stepGeneration = -1;
      notifyStarting(cause);
      boolean ran = collectNow(cause);
      if (ran) {
        // A step of an older generation's collection counts no collection until its last step;
        // without stepGeneration its event would name generation 0.
        int generation = counters.oldestCollectedSince(before, Math.max(0, stepGeneration));
        event =
            new CollectionEvent(
                name,
                cause,
                generation,
                pauseNanosThisCollection,
                counters.objectsFreedSince(before),
                counters.bytesFreedSince(before),
                counters.objectsPromotedSince(before));
      }
      return ran;
    } finally {
      collecting.unlock();
      if (event != null) {
        notifyListeners(event);
      }
    }
  }

  private void notifyStarting(CollectionCause cause) {
    for (CollectionListener listener : listeners) {
      try {
        listener.onCollectionStarting(cause);
      } catch (RuntimeException e) {
        System.getLogger("omega.gc")
            .log(
                System.Logger.Level.WARNING,
                "collection listener " + listener + " threw; the collector goes on",
                e);
      }
    }
  }

  private void notifyListeners(CollectionEvent event) {
    for (CollectionListener listener : listeners) {
      try {
        listener.onCollection(event);
      } catch (RuntimeException e) {
        System.getLogger("omega.gc")
            .log(
                System.Logger.Level.WARNING,
                "collection listener " + listener + " threw; the collector goes on",
                e);
      }
    }
  }

  @Override
  public final List<String> verifyIntegrity() {
    lockCollecting();
    try {
      List<String> problems = new ArrayList<>();
      heap.stopTheWorld(() -> verifyOwnState(problems));
      return problems;
    } finally {
      collecting.unlock();
    }
  }

  /**
   * Adds a sentence to {@code problems} for each way this collector's own state disagrees with the
   * heap; called with mutators stopped and no collection running. Tracing collectors keep no state
   * between collections beyond what they override this to check.
   */
  protected void verifyOwnState(List<String> problems) {}

  /**
   * For {@link #verifyOwnState} of a tracing collector between collections: its last sweep freed
   * every object without {@code epoch}, and the heap gives new objects mark 0, so any other mark
   * means a sweep skipped an object or something else wrote marks. O(objects).
   */
  protected final void verifySweptMarks(int epoch, List<String> problems) {
    long[] stale = new long[2]; // how many, and the first one's id
    heap.forEachObject(
        object -> {
          int mark = heap.mark(object);
          if (mark != epoch && mark != 0 && stale[0]++ == 0) {
            stale[1] = object;
          }
        });
    if (stale[0] > 0) {
      problems.add(
          stale[0]
              + " objects carry a mark that is neither the last collection's ("
              + epoch
              + ") nor a new object's (0), the first: object "
              + stale[1]
              + " with mark "
              + heap.mark(stale[1]));
    }
  }

  /**
   * Every object the roots reach, found by a walk of its own that reads no mark: for {@link
   * #verifyOwnState}, to hold the marks against. O(reachable objects and references).
   */
  protected final LongHashSet reachableFromRoots() {
    LongHashSet reached = new LongHashSet();
    LongStack work = new LongStack();
    heap.forEachRoot(work::push);
    while (!work.isEmpty()) {
      long object = work.pop();
      if (reached.add(object)) {
        pushChildren(object, work);
      }
    }
    return reached;
  }

  @Override
  public void addCollectionListener(CollectionListener listener) {
    listeners.add(Objects.requireNonNull(listener, "collection listener is null"));
  }

  @Override
  public boolean removeCollectionListener(CollectionListener listener) {
    return listeners.remove(listener);
  }

  @Override
  public boolean forceCollection() {
    return collect(CollectionCause.EXPLICIT);
  }

  /**
   * Reports the garbage cycles the collection frees, and only them: what a collector frees tells
   * cycle members from other garbage for none of the built-in ones (tracing frees all garbage
   * alike, trial deletion frees a cycle's acyclic tails with it), so a {@link CycleCensus} of the
   * graph, taken in a pause of its own, names the members first.
   */
  @Override
  public final CycleReport detectCycles() {
    lockCollecting();
    try {
      long started = System.nanoTime();
      CycleCensus census = pauseFor(() -> CycleCensus.take(heap));
      if (census == null) {
        return new CycleReport(0, 0, 0, Duration.ofNanos(System.nanoTime() - started)); // closed
      }
      freeGarbageCycles();
      CycleReport report = census.freed(heap, Duration.ofNanos(System.nanoTime() - started));
      counters.cyclesFound(report.cycles());
      return report;
    } finally {
      collecting.unlock();
    }
  }

  /**
   * Frees every garbage cycle, and any other garbage the collector frees on the way; called with
   * {@link #collecting} held. Tracing collectors run a full collection.
   */
  protected void freeGarbageCycles() {
    collectNow(CollectionCause.EXPLICIT);
  }

  @Override
  public boolean startCollectionCycle() {
    if (config.deterministic()) {
      throw new IllegalStateException(
          "a deterministic heap has no background collection: its collections run at points only"
              + " allocation counts and bytes decide, the same in every run (deterministic = true)");
    }
    return background.start();
  }

  /** Whether the background thread should collect now: occupancy past the threshold by default. */
  protected boolean shouldCollectInBackground() {
    return heap.usedBytes() > config.collectionThreshold() * heap.capacityBytes()
        || wantsCollection();
  }

  @Override
  public boolean stopCollectionCycle() {
    return background.stop();
  }

  @Override
  public boolean isCollectionCycleRunning() {
    return background.isRunning();
  }

  @Override
  public CollectionStatistics getCollectionStatistics() {
    lockCollecting();
    try {
      return counters.statistics(name, pauses.snapshot());
    } finally {
      collecting.unlock();
    }
  }

  @Override
  public void close() {
    stopCollectionCycle();
  }
}
