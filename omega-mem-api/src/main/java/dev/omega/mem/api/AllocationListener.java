package dev.omega.mem.api;

/**
 * Observes a manager's allocations, for monitoring. Timings are sampled: the manager times only
 * some calls (about one in {@link #SAMPLING_INTERVAL} per thread) so that observing costs little,
 * and calls nothing at all when no listener is registered. Called on the allocating thread: it must
 * be quick, must not block and must not allocate from the same manager.
 */
public interface AllocationListener {

  /**
   * One call in this many (a power of two) is timed and reported, per thread and per direction; a
   * thread's first call, which builds its cache, is not. At tens of millions of calls a second that
   * is still thousands of samples a second, and the two clock reads cost well under 1 % of the
   * path.
   */
  int SAMPLING_INTERVAL = 1024;

  /** A sampled allocation of {@code size} bytes that took {@code nanos}. */
  default void onAllocation(long size, long nanos) {}

  /**
   * A sampled allocation, with the block it handed out: what the manager calls. The manager
   * remembers that {@code block} was sampled and calls {@link #onSampledFree} when it is freed, so
   * a listener can keep live figures for the sampled blocks (an allocation-site profile). The
   * default forwards to {@link #onAllocation(long, long)}.
   */
  default void onAllocation(MemoryBlock block, long size, long nanos) {
    onAllocation(size, nanos);
  }

  /**
   * A block that was reported to {@link #onAllocation(MemoryBlock, long, long)} is being freed
   * (every such free, not sampled again). Called before the memory is reused; {@code size} is the
   * block's requested size.
   */
  default void onSampledFree(MemoryBlock block, long size) {}

  /** A sampled deallocation of {@code size} bytes that took {@code nanos}. */
  default void onDeallocation(long size, long nanos) {}

  /** Every refused allocation (not sampled). */
  default void onFailure(long size, Priority priority, AllocationFailure cause) {}

  /**
   * A compaction is about to start on the calling thread; {@link #onCompaction} follows on the same
   * thread. A JFR exporter begins its timed event here.
   */
  default void onCompactionStarting() {}

  /** A compaction that moved {@code bytesMoved} bytes in {@code nanos}. */
  default void onCompaction(long bytesMoved, long nanos) {}

  /** A leak found by leak detection. */
  default void onLeak(LeakReport leak) {}
}
