package dev.omega.mem.spi;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;

/**
 * Makes the pool and manager implementation; found by {@link java.util.ServiceLoader}. Exactly one
 * is expected on the class path ({@code omega-mem-pool}).
 */
public interface MemoryManagerProvider {

  String name();

  /** A stand-alone pool, not yet initialized. */
  MemoryPool createPool(MemoryPoolConfig config, AllocationStrategyProvider strategy);

  /** A manager over a new pool built from the context; ready to allocate. */
  MemoryManager createManager(ManagerContext context);
}
