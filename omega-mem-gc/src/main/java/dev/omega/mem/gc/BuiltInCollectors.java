package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;

/** Providers of the built-in collectors, registered in {@code META-INF/services}. */
final class BuiltInCollectors {
  private BuiltInCollectors() {}

  /** {@code reference-counting}. */
  public static final class ReferenceCounting implements GarbageCollectorProvider {
    @Override
    public String name() {
      return ReferenceCountingCollector.NAME;
    }

    @Override
    public CollectorTraits traits() {
      return new CollectorTraits(false, true, false, false, true);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new ReferenceCountingCollector(config, heap);
    }
  }

  /** {@code generational}. */
  public static final class Generational implements GarbageCollectorProvider {
    @Override
    public String name() {
      return GenerationalCollector.NAME;
    }

    @Override
    public CollectorTraits traits() {
      return new CollectorTraits(true, true, false, false, false);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new GenerationalCollector(config, heap);
    }
  }

  /** {@code mark-sweep}. */
  public static final class MarkSweep implements GarbageCollectorProvider {
    @Override
    public String name() {
      return MarkSweepCollector.NAME;
    }

    @Override
    public CollectorTraits traits() {
      return new CollectorTraits(false, false, false, false, false);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new MarkSweepCollector(config, heap);
    }
  }

  /** {@code incremental}. */
  public static final class Incremental implements GarbageCollectorProvider {
    @Override
    public String name() {
      return IncrementalCollector.NAME;
    }

    @Override
    public CollectorTraits traits() {
      return new CollectorTraits(false, true, false, true, false);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new IncrementalCollector(config, heap);
    }
  }
}
