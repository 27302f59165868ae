package dev.omega.mem.spi;

/** Makes {@link AllocationStrategy} instances; found by {@link java.util.ServiceLoader}. */
public interface AllocationStrategyProvider {

  /** The name configuration uses ({@code allocation_strategy}), lowercase with hyphens. */
  String name();

  /** One line for listings: the algorithm and its complexity. */
  String description();

  /** A strategy over {@code totalUnits} units, all free. */
  AllocationStrategy create(long totalUnits);
}
