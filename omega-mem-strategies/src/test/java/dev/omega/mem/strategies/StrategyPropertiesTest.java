package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.testkit.AllocationStrategyContract;
import java.util.ServiceLoader;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Property-based: for any seed and pool size, random allocate/free/batch sequences agree with the
 * bitmap model (no overlap, no lost unit, coalescing complete) for every installed strategy.
 */
class StrategyPropertiesTest {

  @Property(tries = 60, seed = "20261124")
  void everyStrategy_agreesWithBitmapModel(
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 1, max = 600) int totalUnits) {
    for (AllocationStrategyProvider provider :
        ServiceLoader.load(AllocationStrategyProvider.class)) {
      AllocationStrategyContract.StrategyModelCheck.run(provider, seed, 400, totalUnits);
    }
  }
}
