package com.example.omega.tracing;

import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.GarbageCollectorContract;

/**
 * The published contract that every collector passes, built-in or not: the heap comes from
 * omega-mem-gc (a test dependency) through {@code ServiceLoader}, the collector from here.
 */
class TracingCollectorContractTest extends GarbageCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return new TracingCollectorProvider();
  }
}
