package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategyProvider;

class SequentialStrategyTest extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new BuiltInStrategies.Sequential();
  }
}
