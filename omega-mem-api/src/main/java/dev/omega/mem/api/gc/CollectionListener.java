package dev.omega.mem.api.gc;

/**
 * Told of each collection when it ends, on the collecting thread with mutators running again. It
 * must be quick and must not allocate on the heap being collected. A listener that throws is logged
 * and does not disturb the collector.
 */
@FunctionalInterface
public interface CollectionListener {
  void onCollection(CollectionEvent event);
}
