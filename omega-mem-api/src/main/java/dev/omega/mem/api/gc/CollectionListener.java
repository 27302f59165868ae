package dev.omega.mem.api.gc;

/**
 * Told of each collection when it ends, on the collecting thread with mutators running again. It
 * must be quick and must not allocate on the heap being collected. A listener that throws is logged
 * and does not disturb the collector.
 */
@FunctionalInterface
public interface CollectionListener {
  void onCollection(CollectionEvent event);

  /**
   * A collection is about to start on the calling thread; {@link #onCollection} follows on the same
   * thread when it ran. A JFR exporter begins its timed event here. Called with the collector's
   * lock held: it must be quick and must not touch the heap.
   */
  default void onCollectionStarting(CollectionCause cause) {}
}
