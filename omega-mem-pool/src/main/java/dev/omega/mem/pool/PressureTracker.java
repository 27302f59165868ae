package dev.omega.mem.pool;

import dev.omega.mem.api.MemoryPressureListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Tells {@link MemoryPressureListener}s when the pool's usage crosses one of the configured
 * pressure levels ({@code manager.pressure_levels}), upwards or downwards.
 *
 * <p>Design note. The tracker keeps the index of the highest level reached ({@code level} with
 * {@code levels[level - 1] <= usage < levels[level]}). Whoever changes the pool's pages calls
 * {@link #pagesChanged()}: with no listener that is one list read; otherwise it reads the usage,
 * finds the new index and, if it moved, tells every listener about every level crossed, in the
 * order crossed (a jump over two levels reports both).
 *
 * <p>Thread safety: thread-safe. The index is guarded by {@code this}; listeners are called after
 * that lock is released. Lock order: a caller may hold a size class lock (a refill that claims a
 * slab does, so listeners then run under it); the usage read takes the pool lock and releases it
 * before {@code this} is taken, so neither is held with the other.
 */
final class PressureTracker {
  private final OffHeapPool pool;
  private final List<Double> levels;
  private final List<MemoryPressureListener> listeners = new CopyOnWriteArrayList<>();

  /** Levels at or below the usage last seen; guarded by {@code this}. */
  private int pressureIndex;

  PressureTracker(OffHeapPool pool, List<Double> levels) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.levels = Objects.requireNonNull(levels, "levels is null");
  }

  void add(MemoryPressureListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener is null"));
  }

  void remove(MemoryPressureListener listener) {
    listeners.remove(listener);
  }

  /** Called after pages were claimed from or given back to the pool. */
  void pagesChanged() {
    List<MemoryPressureListener> targets = listeners;
    if (targets.isEmpty()) {
      return;
    }
    long used = pool.usedPages();
    double usage = (double) used / pool.totalPages();
    int crossedFrom;
    int crossedTo;
    synchronized (this) {
      if (levels.isEmpty()) {
        return;
      }
      int level = 0;
      while (level < levels.size() && usage >= levels.get(level)) {
        level++;
      }
      if (level == pressureIndex) {
        return;
      }
      crossedFrom = pressureIndex;
      crossedTo = level;
      pressureIndex = level;
    }
    if (crossedTo > crossedFrom) {
      for (int i = crossedFrom; i < crossedTo; i++) {
        for (MemoryPressureListener l : targets) {
          l.onPressure(levels.get(i), usage, true);
        }
      }
    } else {
      for (int i = crossedFrom - 1; i >= crossedTo; i--) {
        for (MemoryPressureListener l : targets) {
          l.onPressure(levels.get(i), usage, false);
        }
      }
    }
  }
}
