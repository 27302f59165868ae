package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategyProvider;

class BestFitStrategyTest extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new BuiltInStrategies.BestFit();
  }
}
