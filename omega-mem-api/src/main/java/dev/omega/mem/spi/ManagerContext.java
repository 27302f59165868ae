package dev.omega.mem.spi;

import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import java.util.function.BooleanSupplier;

/**
 * What a {@link MemoryManagerProvider} needs to build a manager.
 *
 * @param pool configuration of the manager's pool
 * @param manager configuration of the manager
 * @param strategy placement strategy chosen by {@code allocation_strategy}
 * @param collector runs a collection when memory is short; returns whether one ran (the runtime
 *     wires it to the configured collector, possibly lazily)
 */
public record ManagerContext(
    MemoryPoolConfig pool,
    MemoryManagerConfig manager,
    AllocationStrategyProvider strategy,
    BooleanSupplier collector) {

  public ManagerContext {
    if (pool == null || manager == null || strategy == null || collector == null) {
      throw new NullPointerException("pool, manager, strategy and collector must not be null");
    }
  }
}
