package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Limits of one {@link MemoryDomain}. {@code Long.MAX_VALUE} (the default) means no limit.
 *
 * @param name unique name, as it appears in audit events
 * @param maxBytes most bytes the domain may hold at once
 * @param maxBlocks most blocks the domain may hold at once
 * @param maxAllocationSize largest single allocation
 * @param maxAllocationsPerSecond allocation-rate limit (a token bucket that refills every second)
 */
public record DomainConfig(
    String name,
    long maxBytes,
    long maxBlocks,
    long maxAllocationSize,
    long maxAllocationsPerSecond) {

  public DomainConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    if (name == null || name.isBlank()) {
      problems.add(new ConfigProblem("domain.name", name, "a non-blank name"));
    }
    positive(problems, "domain.max_bytes", maxBytes);
    positive(problems, "domain.max_blocks", maxBlocks);
    positive(problems, "domain.max_allocation_size", maxAllocationSize);
    positive(problems, "domain.max_allocations_per_second", maxAllocationsPerSecond);
    ConfigurationException.throwIfAny(problems);
  }

  /** A domain with no limits; narrow it with the {@code with*} methods. */
  public static DomainConfig unlimited(String name) {
    return new DomainConfig(name, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
  }

  public DomainConfig withMaxBytes(long value) {
    return new DomainConfig(name, value, maxBlocks, maxAllocationSize, maxAllocationsPerSecond);
  }

  public DomainConfig withMaxBlocks(long value) {
    return new DomainConfig(name, maxBytes, value, maxAllocationSize, maxAllocationsPerSecond);
  }

  public DomainConfig withMaxAllocationSize(long value) {
    return new DomainConfig(name, maxBytes, maxBlocks, value, maxAllocationsPerSecond);
  }

  public DomainConfig withMaxAllocationsPerSecond(long value) {
    return new DomainConfig(name, maxBytes, maxBlocks, maxAllocationSize, value);
  }

  private static void positive(List<ConfigProblem> problems, String key, long value) {
    if (value <= 0) {
      problems.add(new ConfigProblem(key, value, "a positive number"));
    }
  }
}
