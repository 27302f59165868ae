package com.example.omega.worstfit;

import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.AllocationStrategyContract;

/** The published contract that every allocation strategy passes, built-in or not. */
class WorstFitStrategyContractTest extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new WorstFitStrategyProvider();
  }
}
