package dev.omega.mem.api;

import java.util.List;

/**
 * One pre-allocated off-heap region of {@code pool_size} bytes, split into pages of {@code
 * block_size} bytes. {@link #allocateBlock(long)} returns a run of {@code ceil(size / block_size)}
 * contiguous pages whose place the configured allocation strategy decides.
 *
 * <p>Thread safety: every method may be called from any thread. Page-level operations are
 * serialised by the pool; block accesses are not (see {@link MemoryBlock}).
 */
public interface MemoryPool extends AutoCloseable {

  /**
   * Reserves the region. Called once before the first allocation; calling it again does nothing.
   *
   * @return {@code true} if this call reserved the region, {@code false} if it already was
   */
  boolean initialize();

  /**
   * Allocates a run of whole pages holding at least {@code size} bytes.
   *
   * @throws IllegalArgumentException if {@code size} is not positive or exceeds the pool
   * @throws OutOfMemoryException if no run is free, even after compaction when it is enabled
   * @throws IllegalStateException if the pool is not initialized or is closed
   */
  MemoryBlock allocateBlock(long size);

  /**
   * Returns a block's pages to the pool.
   *
   * @return {@code true} when the block was freed
   * @throws DoubleFreeException if the block was already freed
   * @throws AccessViolationException if the block does not belong to this pool
   */
  boolean freeBlock(MemoryBlock block);

  PoolStatistics getPoolStatistics();

  /**
   * Moves live runs towards the start of the region to close the holes between them. Blocks stay
   * valid and keep their contents (access goes through handles).
   *
   * @return {@code true} if anything moved
   */
  boolean compact();

  /** {@code 1 - largestFreeRun / totalFree}: 0 when the free space is one run (or none). */
  double getFragmentationRatio();

  /** The page map, run by run, in address order: what a dashboard draws. */
  List<PageRun> pageRuns();

  MemoryPoolConfig config();

  /**
   * Releases the region. Blocks still allocated become invalid: every later access throws {@link
   * IllegalStateException}; they are reported on the {@code omega.audit} log. Closing twice does
   * nothing.
   *
   * <p>The physical memory goes back to the system at once. An access on another thread that races
   * the close never faults or touches other memory: it completes on memory that is no longer the
   * block's (reading zeros, its writes lost) or throws; a thread is refused from its next
   * synchronization action after the close on. Where the implementation keeps the address range
   * mapped until no handle to it is reachable, as Omega Memory's direct memory does, that is what
   * makes racing accesses safe.
   */
  @Override
  void close();
}
