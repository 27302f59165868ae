package dev.omega.mem.api;

import java.util.List;

/**
 * The coordinator that programs allocate from. Small sizes come from size-class slabs carved out of
 * pool pages, through per-thread caches; large sizes get page runs directly; sizes beyond the pool
 * go to a fallback segment when one is configured.
 *
 * <p>When memory runs short the manager runs a fallback chain (flush thread caches, run the garbage
 * collector, compact, retry, fallback segment if allowed) and only then throws {@link
 * OutOfMemoryException} with a diagnosis. A reserve is kept for {@link Priority#CRITICAL}.
 *
 * <p>Thread safety: every method may be called from any thread; a block may be freed by a thread
 * other than the one that allocated it.
 */
public interface MemoryManager extends AutoCloseable {

  /**
   * Allocates a block of {@code size} bytes.
   *
   * @throws IllegalArgumentException if {@code size} is not positive or above the largest size the
   *     manager can ever serve; {@code NullPointerException} if {@code priority} is null
   * @throws OutOfMemoryException if the fallback chain found nothing
   */
  MemoryBlock allocate(long size, Priority priority);

  /** {@link #allocate(long, Priority)} at {@link Priority#NORMAL}. */
  default MemoryBlock allocate(long size) {
    return allocate(size, Priority.NORMAL);
  }

  /**
   * Frees a block.
   *
   * @return {@code true} when the block was freed
   * @throws DoubleFreeException if it was already freed (for frees racing on two threads, see
   *     {@link MemoryBlock})
   * @throws AccessViolationException if it belongs to another manager, or to a domain (free it
   *     through its domain)
   */
  boolean deallocate(MemoryBlock block);

  /**
   * Bytes currently handed out (usable sizes), across every pool and the fallback; blocks parked
   * free in thread caches and in the limbo of the grace period are not counted.
   */
  long getMemoryUsage();

  /**
   * Runs the garbage collector wired to this manager, if any.
   *
   * @return {@code true} if a collection ran
   */
  boolean runGarbageCollector();

  MemoryStatistics getStatistics();

  /**
   * Creates an allocation domain with its own quotas.
   *
   * @throws IllegalArgumentException if a domain of that name exists
   */
  MemoryDomain createDomain(DomainConfig config);

  /** Registers an observer of allocations (see {@link AllocationListener} on sampling). */
  void addAllocationListener(AllocationListener listener);

  void removeAllocationListener(AllocationListener listener);

  /** Registers a listener told when usage crosses one of the configured pressure levels. */
  void addPressureListener(MemoryPressureListener listener);

  void removePressureListener(MemoryPressureListener listener);

  /**
   * Scans for blocks that became unreachable in Java without being freed (needs leak detection on).
   * Each is reported once; if {@link MemoryManagerConfig#reclaimLeaks()} is set its memory is
   * returned.
   */
  List<LeakReport> detectLeaks();

  /**
   * Checks the manager's own bookkeeping, for tests and debugging: every pool page in exactly one
   * run, free runs matching the placement strategy's free lists, slab lists consistent, counters
   * non-negative. Takes the pool lock; meant for quiet moments, not hot paths.
   *
   * @return one sentence per broken invariant; empty when all hold
   */
  List<String> verifyIntegrity();

  /** The pools behind this manager. */
  List<MemoryPool> pools();

  MemoryManagerConfig config();

  /**
   * Closes the manager and its pools. Blocks still allocated are reported on the {@code
   * omega.audit} log (with their allocation sites when leak tracking records them) and become
   * invalid, as {@link MemoryPool#close()} says, fallback segments included. Closing twice does
   * nothing.
   */
  @Override
  void close();
}
