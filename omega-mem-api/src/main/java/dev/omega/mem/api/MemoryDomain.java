package dev.omega.mem.api;

/**
 * An allocation context with its own quotas: one per OMEGA contract or process. A domain's blocks
 * can be freed only through the domain that allocated them; another domain, or the manager
 * directly, gets {@link AccessViolationException}.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface MemoryDomain extends AutoCloseable {

  String name();

  DomainConfig config();

  /**
   * Allocates within the domain's quotas.
   *
   * @throws QuotaExceededException past the byte or count quota, or above the maximum single size
   * @throws RateLimitedException past the allocation-rate limit
   */
  MemoryBlock allocate(long size, Priority priority);

  default MemoryBlock allocate(long size) {
    return allocate(size, Priority.NORMAL);
  }

  /**
   * Frees one of this domain's blocks.
   *
   * @throws AccessViolationException if the block belongs to another domain or to no domain
   */
  boolean deallocate(MemoryBlock block);

  /** Whether {@code block} was allocated by this domain and is still live. */
  boolean owns(MemoryBlock block);

  /**
   * Bytes the domain's live blocks hold of its quota: each block reserves, when it is allocated,
   * the usable size its request maps to (its size class, or whole pages), remembers it, and gives
   * back exactly that when freed, so this is the sum over the live blocks, never negative, and
   * never above the quota, even under racing allocations, frees and close.
   */
  long usedBytes();

  /** Blocks currently allocated by the domain. */
  long blockCount();

  /** Frees every block the domain still holds and removes the domain. */
  @Override
  void close();
}
