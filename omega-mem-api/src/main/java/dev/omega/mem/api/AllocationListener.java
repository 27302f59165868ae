package dev.omega.mem.api;

/**
 * Observes a manager's allocations, for monitoring. Timings are sampled: the manager times only
 * some calls (about one in {@link #SAMPLING_INTERVAL} per thread) so that observing costs little,
 * and calls nothing at all when no listener is registered. Called on the allocating thread: it must
 * be quick, must not block and must not allocate from the same manager.
 */
public interface AllocationListener {

  /** About one call in this many is timed and reported. */
  int SAMPLING_INTERVAL = 64;

  /** A sampled allocation of {@code size} bytes that took {@code nanos}. */
  default void onAllocation(long size, long nanos) {}

  /** A sampled deallocation of {@code size} bytes that took {@code nanos}. */
  default void onDeallocation(long size, long nanos) {}

  /** Every refused allocation (not sampled). */
  default void onFailure(long size, Priority priority, AllocationFailure cause) {}

  /** A compaction that moved {@code bytesMoved} bytes in {@code nanos}. */
  default void onCompaction(long bytesMoved, long nanos) {}

  /** A leak found by leak detection. */
  default void onLeak(LeakReport leak) {}
}
