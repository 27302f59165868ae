package com.example.omega.tracing;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.spi.BackgroundCollection;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.PauseRecorder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A user-written collector that reclaims memory, written only against the SPI as a plugin author
 * would write one, and run through the same contract as the built-in collectors ({@code
 * TracingCollectorContractTest}). Chosen with {@code collection_strategy = tracing}.
 *
 * <p>Design note. Stop-the-world tracing: inside {@link HeapAccess#stopTheWorldFor}, every object a
 * root reaches gets this collection's epoch as its mark (an explicit stack, so long lists need no
 * recursion), then one {@link HeapAccess#sweep} frees every object without it. Epochs make clearing
 * marks free. O(live + edges) to mark, O(objects) to sweep. It needs no barrier: the heap's lock
 * keeps the graph still during the pause, and nothing is remembered between collections.
 * Collections are serialised by {@link #collecting}; the SPI's {@link BackgroundCollection}
 * collects when occupancy passes {@code collection_threshold}, and its {@link PauseRecorder} keeps
 * the pause distribution, as they do for the built-in collectors.
 */
public final class TracingCollectorProvider implements GarbageCollectorProvider {
  static final String NAME = "tracing";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CollectorTraits traits() {
    return CollectorTraits.of(CollectorTraits.Trait.CONCURRENT_MUTATORS);
  }

  @Override
  public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
    return new Tracing(config, heap);
  }

  public static final class Tracing implements GarbageCollector {
    private final HeapAccess heap;
    private final ReentrantLock collecting = new ReentrantLock();
    private final List<CollectionListener> listeners = new CopyOnWriteArrayList<>();
    private int epoch;
    private long[] stack = new long[1024];

    private final PauseRecorder pauses = new PauseRecorder();
    private final BackgroundCollection background;

    /** A deterministic heap's collections may depend on its allocations only: no thread. */
    private final boolean deterministic;

    // Guarded by collecting.
    private long collections;
    private long objectsFreed;
    private long bytesFreed;

    Tracing(GarbageCollectorConfig config, HeapAccess heap) {
      this.heap = heap;
      this.deterministic = config.deterministic();
      this.background =
          new BackgroundCollection(
              "tracing-collector",
              config.maxPauseTime(),
              () -> heap.usedBytes() > config.collectionThreshold() * heap.capacityBytes(),
              () -> collect(CollectionCause.BACKGROUND));
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public boolean forceCollection() {
      return collect(CollectionCause.EXPLICIT);
    }

    @Override
    public boolean collect(CollectionCause cause) {
      Objects.requireNonNull(cause, "cause is null");
      CollectionEvent event;
      collecting.lock();
      try {
        HeapAccess.Pause<HeapAccess.Swept> pause =
            heap.stopTheWorldFor(
                () -> {
                  int current = ++epoch == 0 ? ++epoch : epoch;
                  markFromRoots(current);
                  return heap.sweep(0, current, 0, moved -> {});
                });
        // No sweep when the heap closed meanwhile: the work did not run.
        HeapAccess.Swept swept =
            pause.value() == null ? new HeapAccess.Swept(0, 0, 0) : pause.value();
        collections++;
        objectsFreed += swept.objects();
        bytesFreed += swept.bytes();
        pauses.record(pause.nanos());
        event =
            new CollectionEvent(NAME, cause, 0, pause.nanos(), swept.objects(), swept.bytes(), 0);
      } finally {
        collecting.unlock();
      }
      for (CollectionListener listener : listeners) {
        listener.onCollection(event);
      }
      return true;
    }

    private void markFromRoots(int current) {
      int[] top = {0};
      heap.forEachRoot(root -> push(top, root));
      long[] children = new long[16];
      while (top[0] > 0) {
        long object = stack[--top[0]];
        if (heap.mark(object) == current) {
          continue;
        }
        heap.setMark(object, current);
        int n = heap.references(object, children, 0);
        if (n < 0) {
          children = new long[-n];
          n = heap.references(object, children, 0);
        }
        for (int i = 0; i < n; i++) {
          push(top, children[i]);
        }
      }
    }

    private void push(int[] top, long object) {
      if (top[0] == stack.length) {
        stack = Arrays.copyOf(stack, stack.length * 2);
      }
      stack[top[0]++] = object;
    }

    @Override
    public CollectionStatistics getCollectionStatistics() {
      collecting.lock();
      try {
        return new CollectionStatistics(
            NAME, List.of(collections), objectsFreed, bytesFreed, 0, 0, pauses.snapshot());
      } finally {
        collecting.unlock();
      }
    }

    @Override
    public List<String> verifyIntegrity() {
      return List.of(); // nothing is kept between collections
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
    public CycleReport detectCycles() {
      // A trace frees garbage cycles with the rest; it does not tell them apart. The lock (it is
      // re-entrant) keeps another collection from landing between the two readings.
      collecting.lock();
      try {
        long objects = objectsFreed;
        long bytes = bytesFreed;
        long started = System.nanoTime();
        forceCollection();
        return new CycleReport(
            0,
            objectsFreed - objects,
            bytesFreed - bytes,
            Duration.ofNanos(System.nanoTime() - started));
      } finally {
        collecting.unlock();
      }
    }

    @Override
    public boolean startCollectionCycle() {
      if (deterministic) {
        throw new IllegalStateException(
            "the tracing collector runs no background thread on a deterministic heap"
                + " (deterministic = true): its collections happen where allocation puts them");
      }
      return background.start();
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
    public void close() {
      stopCollectionCycle();
    }
  }
}
