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
   * valid and keep their contents (access goes through handles). Safe while other threads read and
   * write this pool's blocks: an access to a region being moved waits for the move and then runs on
   * the new place, so no write is lost and none lands on memory another block now holds.
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
   * <p>The physical memory goes back to the system once the writes and bulk copies in flight on
   * other threads have finished; later ones are refused. A scalar read racing the close never
   * faults or returns another block's bytes: it returns what the block held or throws.
   */
  @Override
  void close();
}
