package dev.omega.mem.it;

import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.AllocationStrategyContract;
import org.junit.jupiter.api.Test;

/**
 * The strategy contract run on a strategy from outside the strategies module, as its author would.
 */
class WorstFitStrategyContractIT extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new WorstFitStrategyProvider();
  }

  @Test
  void randomSequences_agreeWithTheBitmapModel() {
    for (long seed = 1; seed <= 20; seed++) {
      StrategyModelCheck.run(provider(), seed, 400, 1 + (int) (seed * 37 % 600));
    }
  }
}
