package dev.omega.mem.api;

/** Why an allocation was refused; {@link MemoryStatistics#failures()} counts each. */
public enum AllocationFailure {
  /** No memory even after the whole fallback chain. */
  OUT_OF_MEMORY,
  /** Only the CRITICAL reserve was left and the request was not CRITICAL. */
  RESERVE_PROTECTED,
  /** A domain's byte, count or size quota. */
  QUOTA,
  /** A domain's allocation-rate limit. */
  RATE_LIMIT,
  /** Bigger than the pool, with the fallback off or full. */
  TOO_LARGE
}
