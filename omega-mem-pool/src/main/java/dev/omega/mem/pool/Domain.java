package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.RateLimitedException;
import dev.omega.mem.spi.GasMeters;
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
 * <p>Gas ({@link #meter}): the domain's {@link GasMeters} holds each thread's open meters. An
 * allocation on a metered thread is checked in the order quota, gas, manager: the quota is reserved
 * first, and the bytes the domain holds once it is reserved are the live bytes the memory charge is
 * priced on; then the meters are asked whether they could pay, and a refusal gives the reservation
 * back; then the manager allocates, and only once the block is there is the gas charged. So an
 * allocation refused for its quota, its rate, out of memory or out of gas charges nothing, and one
 * refused out of gas changes no count. A write through one of the domain's blocks is charged by the
 * block ({@link Block}'s checkWrite) after its checks and before it writes. On a thread with no
 * meter open anywhere on the domain, metering costs an allocation or a write one volatile read.
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
  private final GasMeters meters;
  private volatile boolean closed;

  Domain(OffHeapMemoryManager manager, DomainConfig config, java.util.function.LongSupplier clock) {
    this.manager = manager;
    this.config = config;
    this.meters = new GasMeters("domain '" + config.name() + "'");
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
    long liveBytes = reserve(bytes, usable, config.maxBytes(), "bytes", size, priority);
    try {
      reserve(blocks, 1, config.maxBlocks(), "blocks", size, priority);
    } catch (QuotaExceededException e) {
      bytes.addAndGet(-usable);
      throw e;
    }
    // Read once: a thread with no meter open when the allocation starts has none during it.
    boolean metered = meters.active();
    if (metered) {
      try {
        meters.checkAllocation(size, liveBytes, "allocate");
      } catch (MeterExhaustedException e) {
        bytes.addAndGet(-usable);
        blocks.decrementAndGet();
        if (rate != null) {
          rate.refund();
        }
        throw e;
      }
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
    if (metered) {
      try {
        meters.chargeAllocation(size, liveBytes, "allocate");
      } catch (MeterExhaustedException e) {
        // Only if the allocation itself charged this thread's meters since the check (a listener
        // writing through a metered block): the block goes back as close would free it.
        if (live.remove(block)) {
          release(block);
        }
        throw e;
      }
    }
    return block;
  }

  /**
   * Charges a write of {@code length} bytes through one of this domain's blocks to the calling
   * thread's meters, if any; called by the block after its checks and before it writes.
   */
  void chargeWrite(long length) {
    if (meters.active()) {
      meters.chargePayloadWrite(length, "write");
    }
  }

  /** Adds {@code amount} to {@code counter} within {@code limit}; returns the new count. */
  private long reserve(
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
    return current + amount;
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

  /**
   * {@inheritDoc}
   *
   * <p>The meter's first peak is {@link #usedBytes()} when it opens: it charges the growth of the
   * memory charge from what the domain held then, not for memory held before the execution began.
   * The live bytes are the domain's, whichever thread allocated them, so a metered execution's
   * charges are the same in every run when its thread is the only one allocating from and freeing
   * to the domain while it runs, as for one contract's execution.
   */
  @Override
  public GasMeter meter(long budget, GasSchedule schedule) {
    if (closed) {
      throw new IllegalStateException("domain " + name() + " is closed");
    }
    return meters.open(budget, schedule, bytes.get());
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
