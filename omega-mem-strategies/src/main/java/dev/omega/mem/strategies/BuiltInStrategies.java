package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;

/** The providers of the built-in strategies, each registered in {@code META-INF/services}. */
final class BuiltInStrategies {
  private BuiltInStrategies() {}

  /** {@code sequential}. */
  public static final class Sequential implements AllocationStrategyProvider {
    @Override
    public String name() {
      return SequentialStrategy.NAME;
    }

    @Override
    public String description() {
      return "next fit with coalesced reuse; one run examined on average, O(log n) bookkeeping";
    }

    @Override
    public AllocationStrategy create(long totalUnits) {
      return new SequentialStrategy(totalUnits);
    }
  }

  /** {@code random}. */
  public static final class BestFit implements AllocationStrategyProvider {
    @Override
    public String name() {
      return BestFitStrategy.NAME;
    }

    @Override
    public String description() {
      return "best fit over a balanced tree of free runs; O(log n) for any order";
    }

    @Override
    public AllocationStrategy create(long totalUnits) {
      return new BestFitStrategy(totalUnits);
    }
  }

  /** {@code batch}. */
  public static final class Batch implements AllocationStrategyProvider {
    @Override
    public String name() {
      return BatchStrategy.NAME;
    }

    @Override
    public String description() {
      return "many runs in one address-ordered pass, all or nothing; O(n) for n runs";
    }

    @Override
    public AllocationStrategy create(long totalUnits) {
      return new BatchStrategy(totalUnits);
    }
  }
}
