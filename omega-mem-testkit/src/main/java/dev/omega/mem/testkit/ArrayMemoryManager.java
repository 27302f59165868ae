package dev.omega.mem.testkit;

import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.MemoryPressureListener;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PageRun;
import dev.omega.mem.api.PoolStatistics;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.spi.PinnedMemory;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * A manager over Java byte arrays with a byte budget: enough for tests of a heap or a collector
 * without the pool module. It counts live blocks so tests can prove the heap returns every byte.
 *
 * <p>Thread safety: thread-safe (every operation is synchronized).
 */
public final class ArrayMemoryManager implements MemoryManager, PinnedMemory {
  private final long capacity;
  private final boolean lends;
  private long used;
  private long live;

  /**
   * A manager that refuses allocations past {@code capacity} bytes in use, and lends blocks' bytes
   * ({@link PinnedMemory}) as the pool does, so a heap under test takes its fast path.
   */
  public ArrayMemoryManager(long capacity) {
    this(capacity, true);
  }

  /** With {@code lends} false, a manager that lends nothing: the heap goes through its blocks. */
  public ArrayMemoryManager(long capacity, boolean lends) {
    this.capacity = capacity;
    this.lends = lends;
  }

  /** Arrays never move; the segment is the block's array itself. */
  @Override
  public synchronized MemorySegment pin(MemoryBlock block) {
    if (!lends || !(block instanceof ArrayBlock b)) {
      return null;
    }
    if (b.freed) {
      throw new UseAfterFreeException("a freed block cannot be pinned");
    }
    b.pins++;
    return MemorySegment.ofArray(b.bytes);
  }

  @Override
  public synchronized void unpin(MemoryBlock block) {
    if (!(block instanceof ArrayBlock b) || b.pins == 0) {
      throw new IllegalStateException("block is not pinned");
    }
    b.pins--;
  }

  /** Blocks allocated and not yet freed. */
  public synchronized long liveBlocks() {
    return live;
  }

  @Override
  public synchronized MemoryBlock allocate(long size, Priority priority) {
    if (size <= 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("size " + size);
    }
    if (used + size > capacity) {
      throw new OutOfMemoryException(
          "fake manager full", size, priority, capacity - used, capacity - used, 0);
    }
    used += size;
    live++;
    return new ArrayBlock((int) size);
  }

  @Override
  public synchronized boolean deallocate(MemoryBlock block) {
    ArrayBlock b = (ArrayBlock) block;
    if (b.freed) {
      throw new IllegalStateException("double free in heap");
    }
    b.freed = true;
    used -= b.bytes.length;
    live--;
    return true;
  }

  @Override
  public synchronized long getMemoryUsage() {
    return used;
  }

  @Override
  public boolean runGarbageCollector() {
    return false;
  }

  @Override
  public MemoryStatistics getStatistics() {
    throw new UnsupportedOperationException("not needed by the heap");
  }

  @Override
  public MemoryDomain createDomain(DomainConfig config) {
    throw new UnsupportedOperationException("not needed by the heap");
  }

  @Override
  public void addAllocationListener(AllocationListener listener) {}

  @Override
  public void removeAllocationListener(AllocationListener listener) {}

  @Override
  public void addPressureListener(MemoryPressureListener listener) {}

  @Override
  public void removePressureListener(MemoryPressureListener listener) {}

  @Override
  public List<LeakReport> detectLeaks() {
    return List.of();
  }

  @Override
  public synchronized List<String> verifyIntegrity() {
    if (used < 0 || live < 0 || used > capacity) {
      return List.of("fake manager counts " + used + " bytes in " + live + " blocks");
    }
    return List.of();
  }

  @Override
  public List<MemoryPool> pools() {
    MemoryPoolConfig config = MemoryPoolConfig.builder().poolSize(capacity).build();
    return List.of(
        new MemoryPool() {
          @Override
          public boolean initialize() {
            return false;
          }

          @Override
          public MemoryBlock allocateBlock(long size) {
            return allocate(size);
          }

          @Override
          public boolean freeBlock(MemoryBlock block) {
            return deallocate(block);
          }

          @Override
          public PoolStatistics getPoolStatistics() {
            throw new UnsupportedOperationException();
          }

          @Override
          public boolean compact() {
            return false;
          }

          @Override
          public double getFragmentationRatio() {
            return 0;
          }

          @Override
          public List<PageRun> pageRuns() {
            return List.of();
          }

          @Override
          public MemoryPoolConfig config() {
            return config;
          }

          @Override
          public void close() {}
        });
  }

  @Override
  public MemoryManagerConfig config() {
    return MemoryManagerConfig.defaults();
  }

  @Override
  public void close() {}

  private static final class ArrayBlock implements MemoryBlock {
    final byte[] bytes;
    int pins;
    boolean freed;

    ArrayBlock(int size) {
      bytes = new byte[size];
    }

    private int at(long offset, long length) {
      if (freed) {
        throw new UseAfterFreeException("fake block freed");
      }
      Objects.checkFromIndexSize(offset, length, bytes.length);
      return (int) offset;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public boolean isValid() {
      return !freed;
    }

    @Override
    public byte getByte(long offset) {
      return bytes[at(offset, 1)];
    }

    @Override
    public void setByte(long offset, byte value) {
      bytes[at(offset, 1)] = value;
    }

    @Override
    public int getInt(long offset) {
      int i = at(offset, 4);
      return (bytes[i] & 0xFF)
          | (bytes[i + 1] & 0xFF) << 8
          | (bytes[i + 2] & 0xFF) << 16
          | bytes[i + 3] << 24;
    }

    @Override
    public void setInt(long offset, int value) {
      int i = at(offset, 4);
      for (int k = 0; k < 4; k++) {
        bytes[i + k] = (byte) (value >>> (8 * k));
      }
    }

    @Override
    public long getLong(long offset) {
      at(offset, 8);
      return (getInt(offset) & 0xFFFF_FFFFL) | ((long) getInt(offset + 4) << 32);
    }

    @Override
    public void setLong(long offset, long value) {
      at(offset, 8);
      setInt(offset, (int) value);
      setInt(offset + 4, (int) (value >>> 32));
    }

    @Override
    public void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
      System.arraycopy(source, sourceIndex, bytes, at(offset, length), length);
    }

    @Override
    public void copyTo(long offset, byte[] target, int targetIndex, int length) {
      System.arraycopy(bytes, at(offset, length), target, targetIndex, length);
    }

    @Override
    public void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
      byte[] tmp = new byte[(int) length];
      copyTo(offset, tmp, 0, (int) length);
      target.copyFrom(tmp, 0, targetOffset, (int) length);
    }

    @Override
    public void fill(byte value) {
      fill(0, bytes.length, value);
    }

    @Override
    public void fill(long offset, long length, byte value) {
      int i = at(offset, length);
      java.util.Arrays.fill(bytes, i, i + (int) length, value);
    }

    @Override
    public void seal() {}

    @Override
    public boolean isSealed() {
      return false;
    }
  }
}
