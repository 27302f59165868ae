package dev.omega.mem.gc;

import dev.omega.mem.spi.GarbageCollectorProvider;

class IncrementalCollectorTest extends BuiltInCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return new BuiltInCollectors.Incremental();
  }
}
