package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.AllocationStrategyContract;

class SequentialStrategyTest extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new BuiltInStrategies.Sequential();
  }
}
