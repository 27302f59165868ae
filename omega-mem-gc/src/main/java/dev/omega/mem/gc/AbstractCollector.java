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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * What every built-in collector shares: the background cycle, statistics and the pause histogram.
 * It uses only {@link HeapAccess}, like a user's collector would. A subclass implements {@link
 * #collectNow} and, if it needs them, the barriers of {@link HeapEvents}.
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
  protected final long[] collectionsPerGeneration;
  protected long objectsFreed;
  protected long bytesFreed;
  protected long objectsPromoted;
  protected long cyclesFound;
  private final List<CollectionListener> listeners = new CopyOnWriteArrayList<>();
  private long pauseNanosThisCollection;
  private final BackgroundCollection background;

  AbstractCollector(
      String name, GarbageCollectorConfig config, HeapAccess heap, int generationSlots) {
    this.name = name;
    this.config = config;
    this.heap = heap;
    this.collectionsPerGeneration = new long[generationSlots];
    this.background =
        new BackgroundCollection(
            "omega-gc-" + name,
            Duration.ofMillis(Math.min(50, config.maxPauseTime().toMillis())),
            this::shouldCollectInBackground,
            () -> collect(CollectionCause.BACKGROUND));
    heap.install(this);
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

  /** Runs {@code work} stopped and records the pause. */
  protected final long pause(Runnable work) {
    long nanos = heap.stopTheWorld(work);
    pauses.record(nanos);
    pauseNanosThisCollection += nanos;
    return nanos;
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
   * Objects and bytes freed outside collections (reference counting frees in its barrier), counted
   * apart: a barrier holds the heap lock but not {@link #collecting}, under which the statistics
   * are read.
   */
  private final AtomicLong promptObjectsFreed = new AtomicLong();

  private final AtomicLong promptBytesFreed = new AtomicLong();

  /** Counts objects freed outside a collection, in the statistics' objects and bytes freed. */
  protected final void countPromptFrees(long objects, long bytes) {
    if (objects != 0) {
      promptObjectsFreed.addAndGet(objects);
      promptBytesFreed.addAndGet(bytes);
    }
  }

  /** Frees a garbage object and counts it. Call inside a pause. */
  protected final void release(long object) {
    bytesFreed += heap.free(object);
    objectsFreed++;
  }

  /**
   * {@link #release} for every object on {@code garbage}, with one {@link HeapAccess#freeAll} call,
   * and empties it. Call inside a pause.
   */
  protected final void releaseAll(LongStack garbage) {
    countFreed(heap.freeAll(garbage.elements(), garbage.size()));
    garbage.clear();
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

  /**
   * Pops and scans grey objects until the stack is empty or about {@code budgetNanos} are spent
   * (the clock is read every 128 objects): the marking step of the incremental collectors. Call
   * inside a pause; returns true when the stack is empty.
   */
  protected static boolean drainGrey(LongStack grey, LongConsumer scan, long budgetNanos) {
    long started = System.nanoTime();
    int sinceCheck = 0;
    while (!grey.isEmpty()) {
      scan.accept(grey.pop());
      if (++sinceCheck == 128) {
        sinceCheck = 0;
        if (System.nanoTime() - started > budgetNanos) {
          return false;
        }
      }
    }
    return true;
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
    boolean[] done = new boolean[1];
    pause(
        () -> {
          long started = System.nanoTime();
          try {
            for (int g = 0; g < heap.generations(); g++) {
              while (heap.sweepPending(g)) {
                count(g, heap.sweepSome(g, SWEEP_BATCH));
                if (System.nanoTime() - started > budgetNanos) {
                  // The batch that spent the budget may have been the last one.
                  done[0] = !anySweepPending();
                  return;
                }
              }
            }
            done[0] = true;
          } finally {
            afterLazySweepStep();
          }
        });
    return done[0];
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
    countFreed(swept);
    objectsPromoted += swept.moved();
    if (swept.moved() > 0) {
      promoted(generation, swept.moved());
    }
  }

  private void countFreed(HeapAccess.Swept swept) {
    objectsFreed += swept.objects();
    bytesFreed += swept.bytes();
  }

  /**
   * Called when a sweep of {@code generation} (eager or a lazy step) moved {@code objects}
   * survivors; they are already counted in {@link #objectsPromoted}. For a collector's own policy.
   */
  protected void promoted(int generation, long objects) {}

  @Override
  public final boolean collect(CollectionCause cause) {
    CollectionEvent event = null;
    collecting.lock();
    try {
      if (listeners.isEmpty()) {
        return collectNow(cause);
      }
      long[] generationsBefore = collectionsPerGeneration.clone();
      long objectsBefore = objectsFreed;
      long bytesBefore = bytesFreed;
      long promotedBefore = objectsPromoted;
      pauseNanosThisCollection = 0;
      stepGeneration = -1;
      notifyStarting(cause);
      boolean ran = collectNow(cause);
      if (ran) {
        // A step of an older generation's collection counts no collection until its last step;
        // without stepGeneration its event would name generation 0.
        int generation = Math.max(0, stepGeneration);
        for (int g = collectionsPerGeneration.length - 1; g > generation; g--) {
          if (collectionsPerGeneration[g] != generationsBefore[g]) {
            generation = g;
            break;
          }
        }
        event =
            new CollectionEvent(
                name,
                cause,
                generation,
                pauseNanosThisCollection,
                objectsFreed - objectsBefore,
                bytesFreed - bytesBefore,
                objectsPromoted - promotedBefore);
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
    collecting.lock();
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
    collecting.lock();
    try {
      long started = System.nanoTime();
      CycleCensus[] census = new CycleCensus[1];
      pause(() -> census[0] = CycleCensus.take(heap));
      freeGarbageCycles();
      CycleReport report = census[0].freed(heap, Duration.ofNanos(System.nanoTime() - started));
      cyclesFound += report.cycles();
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
    collecting.lock();
    try {
      List<Long> perGeneration = new ArrayList<>();
      for (long c : collectionsPerGeneration) {
        perGeneration.add(c);
      }
      return new CollectionStatistics(
          name,
          perGeneration,
          objectsFreed + promptObjectsFreed.get(),
          bytesFreed + promptBytesFreed.get(),
          objectsPromoted,
          cyclesFound,
          pauses.snapshot());
    } finally {
      collecting.unlock();
    }
  }

  @Override
  public void close() {
    stopCollectionCycle();
  }
}
