package dev.omega.mem.pool;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.spi.ManagerContext;
import dev.omega.mem.spi.MemoryManagerProvider;
import java.util.Objects;

/** The off-heap pool and manager, registered in {@code META-INF/services}. */
public final class OffHeapMemoryProvider implements MemoryManagerProvider {
  @Override
  public String name() {
    return "off-heap";
  }

  @Override
  public MemoryPool createPool(MemoryPoolConfig config, AllocationStrategyProvider strategy) {
    return new OffHeapPool(
        Objects.requireNonNull(config, "config is null"),
        Objects.requireNonNull(strategy, "strategy is null"));
  }

  @Override
  public MemoryManager createManager(ManagerContext context) {
    return new OffHeapMemoryManager(Objects.requireNonNull(context, "context is null"));
  }
}
