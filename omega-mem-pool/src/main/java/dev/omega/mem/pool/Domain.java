package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.RateLimitedException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MemoryDomain}: quotas checked before the manager is asked, by reserving the bytes and
 * the block count with CAS loops and handing them back if the manager refuses. So a domain never
 * holds more than its quota even under concurrent requests, and a refusal changes nothing. A block
 * reserves the usable size its request maps to (its size class, or whole pages; a request served
 * otherwise, from a page run or a fallback segment, still reserves that) and remembers what it
 * reserved, which its free gives back, so {@link #usedBytes()} is exactly the sum over the domain's
 * live blocks.
 *
 * <p>Thread safety: thread-safe.
 */
final class Domain implements MemoryDomain {
  private final OffHeapMemoryManager manager;
  private final DomainConfig config;
  private final TokenBucket rate;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong blocks = new AtomicLong();
  private final Set<DomainBlock> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  Domain(OffHeapMemoryManager manager, DomainConfig config, java.util.function.LongSupplier clock) {
    this.manager = manager;
    this.config = config;
    this.rate =
        config.maxAllocationsPerSecond() == Long.MAX_VALUE
            ? null
            : new TokenBucket(config.maxAllocationsPerSecond(), clock);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public DomainConfig config() {
    return config;
  }

  @Override
  public MemoryBlock allocate(long size, Priority priority) {
    Objects.requireNonNull(priority, "priority is null");
    if (closed) {
      throw new IllegalStateException("domain " + name() + " is closed");
    }
    if (size > config.maxAllocationSize()) {
      manager.recordFailure(size, priority, AllocationFailure.QUOTA);
      AuditLog.violation(
          "quota_exceeded", "domain", name(), "kind", "max_allocation_size", "size", size);
      throw new QuotaExceededException(
          "domain "
              + name()
              + ": allocation of "
              + size
              + " bytes is above its maximum single"
              + " allocation of "
              + config.maxAllocationSize()
              + " bytes",
          name(),
          config.maxAllocationSize(),
          size);
    }
    long usable = manager.usableSize(size);
    if (rate != null && !rate.tryAcquire()) {
      manager.recordFailure(size, priority, AllocationFailure.RATE_LIMIT);
      AuditLog.violation(
          "rate_limited", "domain", name(), "limit", config.maxAllocationsPerSecond());
      throw new RateLimitedException(
          "domain "
              + name()
              + ": more than "
              + config.maxAllocationsPerSecond()
              + " allocations per second; retry later");
    }
    reserve(bytes, usable, config.maxBytes(), "bytes", size, priority);
    try {
      reserve(blocks, 1, config.maxBlocks(), "blocks", size, priority);
    } catch (QuotaExceededException e) {
      bytes.addAndGet(-usable);
      throw e;
    }
    DomainBlock block;
    try {
      block = manager.allocateForDomain(size, priority, this);
    } catch (RuntimeException e) {
      bytes.addAndGet(-usable);
      blocks.decrementAndGet();
      if (rate != null) {
        rate.refund();
      }
      throw e;
    }
    block.reserved = usable;
    live.add(block);
    if (closed) {
      // close() walked the live set before this block joined it: free it here, as close would.
      if (live.remove(block)) {
        release(block);
      }
      throw new IllegalStateException("domain " + name() + " is closed");
    }
    return block;
  }

  private void reserve(
      AtomicLong counter, long amount, long limit, String unit, long size, Priority priority) {
    long current;
    do {
      current = counter.get();
      if (current + amount > limit) {
        manager.recordFailure(size, priority, AllocationFailure.QUOTA);
        AuditLog.violation("quota_exceeded", "domain", name(), "kind", unit, "limit", limit);
        throw new QuotaExceededException(
            "domain "
                + name()
                + ": "
                + unit
                + " quota of "
                + limit
                + " would be exceeded ("
                + current
                + " held, "
                + amount
                + " more asked)",
            name(),
            limit,
            current + amount);
      }
    } while (!counter.compareAndSet(current, current + amount));
  }

  @Override
  public boolean deallocate(MemoryBlock block) {
    Objects.requireNonNull(block, "block is null");
    if (!(block instanceof DomainBlock d) || d.domain() != this) {
      AuditLog.violation("cross_domain_free", "domain", name());
      throw new AccessViolationException(
          "domain " + name() + " cannot free a block it did not allocate");
    }
    release(d);
    live.remove(d);
    return true;
  }

  /**
   * Frees a block of this domain and gives back exactly what it reserved; a second free throws in
   * the manager before any count changes, so racing frees give the quota back once.
   */
  private void release(DomainBlock d) {
    manager.free(d);
    bytes.addAndGet(-d.reserved);
    blocks.decrementAndGet();
  }

  @Override
  public boolean owns(MemoryBlock block) {
    return block instanceof DomainBlock d && d.domain() == this && !d.isFreed();
  }

  @Override
  public long usedBytes() {
    return bytes.get();
  }

  @Override
  public dev.omega.mem.api.GasMeter meter(long budget, dev.omega.mem.api.GasSchedule schedule) {
    throw new UnsupportedOperationException("domain meters: being built (issue 25)");
  }

  @Override
  public long blockCount() {
    return blocks.get();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (DomainBlock block : live) {
      // Whoever removes a block from the live set frees it: this, or an allocation that saw the
      // domain close after adding its block.
      if (live.remove(block)) {
        try {
          release(block);
        } catch (DoubleFreeException e) {
          // freed at the same moment by its holder, whose free gave the quota back
        }
      }
    }
    manager.removeDomain(this);
    AuditLog.info("domain_closed", "domain", name());
  }
}
