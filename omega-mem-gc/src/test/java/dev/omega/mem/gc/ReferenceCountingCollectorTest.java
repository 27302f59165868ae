package dev.omega.mem.gc;

import dev.omega.mem.spi.GarbageCollectorProvider;

class ReferenceCountingCollectorTest extends BuiltInCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return new BuiltInCollectors.ReferenceCounting();
  }
}
