package dev.omega.mem.api;

/** How closely the manager watches for blocks dropped without {@code deallocate}. */
public enum LeakDetectionLevel {
  /** No tracking: nothing is recorded and nothing costs. */
  DISABLED,
  /** One block in {@link MemoryManagerConfig#leakSamplingInterval()} is tracked, with its site. */
  SAMPLED,
  /** Every block is tracked with its allocation site. */
  FULL
}
