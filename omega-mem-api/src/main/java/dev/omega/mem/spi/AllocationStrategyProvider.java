package dev.omega.mem.spi;

/** Makes {@link AllocationStrategy} instances; found by {@link java.util.ServiceLoader}. */
public interface AllocationStrategyProvider {

  /** The name configuration uses ({@code allocation_strategy}), lowercase with hyphens. */
  String name();

  /** One line for listings: the algorithm and its complexity. */
  String description();

  /**
   * A strategy over {@code totalUnits} units, all free.
   *
   * @throws IllegalArgumentException if {@code totalUnits} is not between 1 and 2<sup>32</sup> - 1
   */
  AllocationStrategy create(long totalUnits);
}
