package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;

/**
 * The contract with every cycle collection taken over the whole heap. The adaptive choice picks
 * this form only when candidates are half of the heap, so the plain contract run would leave small
 * graphs of it untested.
 */
class ReferenceCountingOverTheHeapTest extends BuiltInCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return fixed(ReferenceCountingCollector.TrialDeletion.OVER_THE_HEAP);
  }

  static GarbageCollectorProvider fixed(ReferenceCountingCollector.TrialDeletion form) {
    BuiltInCollectors.ReferenceCounting builtIn = new BuiltInCollectors.ReferenceCounting();
    return new GarbageCollectorProvider() {
      @Override
      public String name() {
        return builtIn.name();
      }

      @Override
      public CollectorTraits traits() {
        return builtIn.traits();
      }

      @Override
      public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
        return new ReferenceCountingCollector(config, heap, form);
      }
    };
  }
}
