package dev.omega.mem.it;

import com.example.omega.worstfit.WorstFitStrategyProvider;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.AllocationStrategyContract;
import org.junit.jupiter.api.Tag;

/**
 * The strategy contract run on a strategy from outside the strategies module, as its author would.
 */
@Tag("contracts")
class WorstFitStrategyContractIT extends AllocationStrategyContract {
  @Override
  protected AllocationStrategyProvider provider() {
    return new WorstFitStrategyProvider();
  }
}
