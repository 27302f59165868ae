package dev.omega.mem.gc;

import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.testkit.GarbageCollectorContract;
import java.util.OptionalLong;

/** The contract for the built-in collectors, which may also read the heap's own counters. */
abstract class BuiltInCollectorContract extends GarbageCollectorContract {
  @Override
  protected OptionalLong callbackFailures(ManagedHeap heap) {
    return OptionalLong.of(((OffHeapManagedHeap) heap).callbackFailures());
  }
}
