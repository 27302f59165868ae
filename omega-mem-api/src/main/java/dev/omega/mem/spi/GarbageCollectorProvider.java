package dev.omega.mem.spi;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.GarbageCollector;

/**
 * Makes a {@link GarbageCollector}; found by {@link java.util.ServiceLoader} and chosen by {@code
 * collection_strategy}. A collector sees the heap only through {@link HeapAccess}, so a user's
 * collector can do anything a built-in one does.
 */
public interface GarbageCollectorProvider {

  /** The name configuration uses, lowercase with hyphens. */
  String name();

  CollectorTraits traits();

  /**
   * A collector for {@code heap}. If the collector also implements {@link HeapEvents}, the heap
   * installs it as its barriers when this returns, so barriers never run on a collector whose
   * constructor has not finished; neither the provider nor the collector's constructor calls {@link
   * HeapAccess#install}.
   */
  GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap);
}
