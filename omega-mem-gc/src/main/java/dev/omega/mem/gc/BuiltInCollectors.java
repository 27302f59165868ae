package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.CollectorTraits.Trait;
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
      return CollectorTraits.of(Trait.WRITE_BARRIER, Trait.COUNTS_REFERENCES);
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
      return CollectorTraits.of(
          Trait.GENERATIONAL, Trait.WRITE_BARRIER, Trait.INCREMENTAL, Trait.CONCURRENT_MUTATORS);
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
      return CollectorTraits.of(Trait.WRITE_BARRIER, Trait.CONCURRENT_MUTATORS);
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
      return CollectorTraits.of(Trait.WRITE_BARRIER, Trait.INCREMENTAL, Trait.CONCURRENT_MUTATORS);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new IncrementalCollector(config, heap);
    }
  }
}
