package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The {@link MemoryBlock} handle.
 *
 * <p>Design note. Each allocation returns a new {@code Block}; the object's identity is the
 * handle's generation. Its {@link #state} word records FREED and SEALED; {@code deallocate} flips
 * FREED with one CAS, so of two racing frees exactly one wins and the other gets {@code
 * DoubleFreeException}, and every later access through this handle gets {@code
 * UseAfterFreeException} even after the slot was handed to someone else (whose handle is another
 * object). The block holds no address: it names a {@link Region} and an index in it, and computes
 * {@code region.base + index * region.stride} on each access, so compaction can move the region.
 *
 * <p>Layout (compressed oops): 12-byte header + region, index, slab id, state, leak = 32 bytes. The
 * slack (usable minus requested size, below one page) shares the state word with the two flags, so
 * the slab id fits without growing the object. Every access checks state and bounds before touching
 * memory; a failed access changes nothing.
 *
 * <p>Thread safety: see {@link MemoryBlock}. State reads on the access path are plain (no fence),
 * so a free on another thread is seen eventually; frees and seals are atomic. The slack is set in
 * the constructor, so a block handed to another thread without a happens-before edge (a data race
 * in the program) may report its requested size as its usable size; its flags are still exact.
 */
class Block implements MemoryBlock {
  static final int FREED = 1;
  static final int SEALED = 2;

  /** The state word keeps the slack above the two flag bits (slack is below 1 MiB, one page). */
  private static final int SLACK_SHIFT = 2;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Block.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Region region;
  final int index;

  /** The slab's {@link SlabIds} id (so a free can name the block without reading the slab). */
  final int slabId;

  /** FREED and SEALED in the low bits; above them the slack (usable minus requested size). */
  private int state;

  /** Leak-tracking record, or null when this block is not tracked. */
  LeakTracker.Tracked leak;

  Block(Region region, int index, int slabId, int slack) {
    this.region = region;
    this.index = index;
    this.slabId = slabId;
    this.state = slack << SLACK_SHIFT;
  }

  /** Marks the block freed; false if it already was. */
  final boolean markFreed() {
    int s = state;
    if ((s & FREED) == 0 && STATE.compareAndSet(this, s, s | FREED)) {
      return true;
    }
    do {
      s = (int) STATE.getVolatile(this);
      if ((s & FREED) != 0) {
        return false;
      }
    } while (!STATE.compareAndSet(this, s, s | FREED));
    return true;
  }

  final boolean isFreed() {
    return ((int) STATE.getVolatile(this) & FREED) != 0;
  }

  final long requestedSize() {
    return region.stride - (state >>> SLACK_SHIFT);
  }

  /** Address of the block's first byte in {@link Region#segment}. */
  private long start() {
    return region.base + (long) index * region.stride;
  }

  private long checkRead(long offset, long length) {
    if ((state & FREED) != 0) {
      throw freed();
    }
    Objects.checkFromIndexSize(offset, length, region.stride);
    return start() + offset;
  }

  private long checkWrite(long offset, long length) {
    if ((state & (FREED | SEALED)) != 0) {
      if ((state & FREED) != 0) {
        throw freed();
      }
      throw new AccessViolationException(
          "write of "
              + length
              + " bytes at offset "
              + offset
              + " to a sealed block of "
              + size()
              + " bytes");
    }
    Objects.checkFromIndexSize(offset, length, region.stride);
    return start() + offset;
  }

  private UseAfterFreeException freed() {
    return new UseAfterFreeException("block of " + size() + " bytes was used after it was freed");
  }

  @Override
  public final long size() {
    return region.stride;
  }

  @Override
  public final boolean isValid() {
    return !isFreed() && region.segment.scope().isAlive();
  }

  @Override
  public final byte getByte(long offset) {
    return region.segment.get(ValueLayout.JAVA_BYTE, checkRead(offset, 1));
  }

  @Override
  public final void setByte(long offset, byte value) {
    region.segment.set(ValueLayout.JAVA_BYTE, checkWrite(offset, 1), value);
  }

  @Override
  public final int getInt(long offset) {
    return region.segment.get(ValueLayout.JAVA_INT_UNALIGNED, checkRead(offset, 4));
  }

  @Override
  public final void setInt(long offset, int value) {
    region.segment.set(ValueLayout.JAVA_INT_UNALIGNED, checkWrite(offset, 4), value);
  }

  @Override
  public final long getLong(long offset) {
    return region.segment.get(ValueLayout.JAVA_LONG_UNALIGNED, checkRead(offset, 8));
  }

  @Override
  public final void setLong(long offset, long value) {
    region.segment.set(ValueLayout.JAVA_LONG_UNALIGNED, checkWrite(offset, 8), value);
  }

  @Override
  public final void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
    Objects.checkFromIndexSize(sourceIndex, length, source.length);
    long at = checkWrite(offset, length);
    MemorySegment.copy(source, sourceIndex, region.segment, ValueLayout.JAVA_BYTE, at, length);
  }

  @Override
  public final void copyTo(long offset, byte[] target, int targetIndex, int length) {
    Objects.checkFromIndexSize(targetIndex, length, target.length);
    long at = checkRead(offset, length);
    MemorySegment.copy(region.segment, ValueLayout.JAVA_BYTE, at, target, targetIndex, length);
  }

  @Override
  public final void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
    Objects.requireNonNull(target, "target is null");
    if (!(target instanceof Block other)) {
      throw new AccessViolationException(
          "copy target is not an Omega Memory block: " + target.getClass().getName());
    }
    long from = checkRead(offset, length);
    long to = other.checkWrite(targetOffset, length);
    MemorySegment.copy(region.segment, from, other.region.segment, to, length);
  }

  @Override
  public final void fill(byte value) {
    fill(0, size(), value);
  }

  @Override
  public final void fill(long offset, long length, byte value) {
    long at = checkWrite(offset, length);
    region.segment.asSlice(at, length).fill(value);
  }

  @Override
  public final void seal() {
    int s;
    do {
      s = (int) STATE.getVolatile(this);
      if ((s & FREED) != 0) {
        throw freed();
      }
    } while (!STATE.compareAndSet(this, s, s | SEALED));
  }

  @Override
  public final boolean isSealed() {
    return ((int) STATE.getVolatile(this) & SEALED) != 0;
  }

  /** The domain that allocated this block, or null. */
  Domain domain() {
    return null;
  }

  @Override
  public String toString() {
    return "MemoryBlock[size="
        + size()
        + (isFreed() ? ", freed" : "")
        + (isSealed() ? ", sealed" : "")
        + "]";
  }
}
