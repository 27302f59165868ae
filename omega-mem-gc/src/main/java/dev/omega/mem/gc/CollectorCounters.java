package dev.omega.mem.gc;

import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.HeapAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a collector has done, counted in one place: collections per generation, objects and bytes
 * freed, objects promoted and garbage groups found. {@link AbstractCollector} owns one; collectors
 * add to it through its methods instead of writing shared fields, and the statistics and the {@link
 * dev.omega.mem.api.gc.CollectionEvent} of each collection are read from it.
 *
 * <p>Two kinds of frees are kept apart: those of a collection, counted in a pause, and those a
 * barrier makes (reference counting frees in its barrier), counted by {@link #freedPromptly}. The
 * statistics add them up; a collection's event names only its own.
 *
 * <p>Thread safety: everything but {@link #freedPromptly} is confined to the thread that holds the
 * collector's collection lock (collections and the reading of statistics hold it). Barriers run on
 * mutator threads without that lock, so {@link #freedPromptly} counts in atomics.
 */
final class CollectorCounters {
  private final long[] collectionsPerGeneration;
  private long objectsFreed;
  private long bytesFreed;
  private long objectsPromoted;
  private long cyclesFound;
  private final AtomicLong promptObjectsFreed = new AtomicLong();
  private final AtomicLong promptBytesFreed = new AtomicLong();

  /**
   * @param generationSlots entries of {@link CollectionStatistics#collectionsPerGeneration}: one
   *     for a collector that does not tell generations apart
   */
  CollectorCounters(int generationSlots) {
    if (generationSlots < 1) {
      throw new IllegalArgumentException(
          "generation slots: " + generationSlots + " (expected: at least 1)");
    }
    this.collectionsPerGeneration = new long[generationSlots];
  }

  /** A collection whose oldest collected generation was {@code generation} finished. */
  void collected(int generation) {
    collectionsPerGeneration[generation]++;
  }

  /** A collection freed {@code objects} holding {@code bytes} (headers included). */
  void freed(long objects, long bytes) {
    objectsFreed += objects;
    bytesFreed += bytes;
  }

  /** What one sweep (or sweep step) did: the objects it freed and the survivors it moved up. */
  void swept(HeapAccess.Swept swept) {
    freed(swept.objects(), swept.bytes());
    objectsPromoted += swept.moved();
  }

  /** The garbage groups (or cycles) a cycle collection or detection found. */
  void cyclesFound(long cycles) {
    cyclesFound += cycles;
  }

  /** Objects a barrier freed outside any collection. Thread-safe. */
  void freedPromptly(long objects, long bytes) {
    if (objects != 0) {
      promptObjectsFreed.addAndGet(objects);
      promptBytesFreed.addAndGet(bytes);
    }
  }

  /** What the counters of one collection read now, for the difference a collection made. */
  Reading read() {
    return new Reading(collectionsPerGeneration.clone(), objectsFreed, bytesFreed, objectsPromoted);
  }

  /**
   * The oldest generation whose collections were counted since {@code before}, if older than {@code
   * atLeast}; else {@code atLeast}.
   */
  int oldestCollectedSince(Reading before, int atLeast) {
    for (int g = collectionsPerGeneration.length - 1; g > atLeast; g--) {
      if (collectionsPerGeneration[g] != before.collectionsPerGeneration[g]) {
        return g;
      }
    }
    return atLeast;
  }

  long objectsFreedSince(Reading before) {
    return objectsFreed - before.objectsFreed;
  }

  long bytesFreedSince(Reading before) {
    return bytesFreed - before.bytesFreed;
  }

  long objectsPromotedSince(Reading before) {
    return objectsPromoted - before.objectsPromoted;
  }

  /** The statistics of collector {@code name}, prompt frees included. */
  CollectionStatistics statistics(String name, PauseStatistics pauses) {
    List<Long> perGeneration = new ArrayList<>(collectionsPerGeneration.length);
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
        pauses);
  }

  /**
   * The counters a collection compares against when it ends; opaque to collectors. Taken only when
   * a listener waits for the collection's event.
   */
  static final class Reading {
    private final long[] collectionsPerGeneration;
    private final long objectsFreed;
    private final long bytesFreed;
    private final long objectsPromoted;

    private Reading(
        long[] collectionsPerGeneration, long objectsFreed, long bytesFreed, long objectsPromoted) {
      this.collectionsPerGeneration = collectionsPerGeneration;
      this.objectsFreed = objectsFreed;
      this.bytesFreed = bytesFreed;
      this.objectsPromoted = objectsPromoted;
    }
  }
}
