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

  /**
   * Opens a metered execution of this domain on the calling thread ({@link GasMeter}): each block
   * the thread allocates from the domain while it is open is charged {@link
   * GasSchedule#allocationCost} of its requested size and the growth of the memory charge of the
   * domain's peak {@link #usedBytes()} (the peak starts at what the domain holds when the meter
   * opens, and the live bytes after an allocation include the usable size its request maps to);
   * each write the thread makes through one of the domain's blocks (a put, a {@code copyFrom}, a
   * {@code copyTo} into the block, a {@code fill}) is charged {@link GasSchedule#payloadWriteCost}
   * of its length: {@link GasSchedule#payloadWriteGas} for a scalar put, that per 32-byte word for
   * a bulk write. Reads and frees are not charged. A charge past the budget throws {@link
   * MeterExhaustedException} before the block is allocated or the write made. An allocation is
   * checked against the quotas and the rate limit first, then against the meters, and charged only
   * once the manager has allocated it, so one refused with {@link QuotaExceededException}, {@link
   * RateLimitedException}, {@link OutOfMemoryException} or {@code MeterExhaustedException} charges
   * nothing; a write refused by its own checks (freed, sealed, out of bounds) charges nothing
   * either. The live bytes are the domain's, so the charges are the same in every run when the
   * metered thread is the only one allocating from and freeing to the domain while the meter is
   * open.
   *
   * @param budget the gas the execution may use, 0 or more
   * @throws IllegalArgumentException if {@code budget} is negative
   */
  GasMeter meter(long budget, GasSchedule schedule);

  /** Frees every block the domain still holds and removes the domain. */
  @Override
  void close();
}
