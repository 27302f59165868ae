package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * The {@link MemoryBlock} handle.
 *
 * <p>Design note. Each allocation returns a new {@code Block}; the object's identity is the
 * handle's generation. Its {@link #state} word records FREED and SEALED, so every later access
 * through a freed handle gets {@code UseAfterFreeException} even after the memory was handed to
 * someone else (whose handle is another object). The block holds no address: it names a {@link
 * Region} and an index in it, and computes {@code region.address + index * region.stride} on each
 * access, so compaction can move the region.
 *
 * <p>Every write and bulk copy runs inside {@link AccessGuard}'s grace-period protocol: it
 * announces itself, then checks the handle (not freed; not sealed, for a write; {@code [offset,
 * offset + length)} inside the requested size; the region neither moving nor released), then
 * touches the bytes, then leaves. Freed memory is reused, and a region moved, only after every
 * announced access that saw the block live has left, so a write racing a free either completes on
 * the block's own bytes or throws {@code UseAfterFreeException}, and never reaches another block. A
 * scalar read (getByte, getInt, getLong) does not announce itself: it checks, reads, then checks
 * again that the handle was not freed and the region neither moved nor released meanwhile (a
 * seqlock read), and otherwise drops what it read and starts again, so it returns only the block's
 * own bytes. An access that finds its region being moved by compaction leaves, waits for the move
 * to end and starts again on the new address, so no write is lost.
 *
 * <p>Freeing is one CAS on the state word: of two racing frees exactly one wins and the other gets
 * {@code DoubleFreeException}.
 *
 * <p>Layout (compressed oops): 12-byte header + region, index, state = 24 bytes. The state word is
 * {@code slack << 3 | SAMPLED | SEALED | FREED}; the slack (usable minus requested size) is below
 * one page (1 MiB, 20 bits), 0 for a fallback segment. {@link #size()} is the requested size and
 * the bound of every access.
 *
 * <p>Thread safety: thread-safe. Frees and seals are CASes; the access path reads the state with
 * volatile semantics after its announcement (which is what the grace-period argument needs; on x86
 * and AArch64 such a read is an ordinary load).
 */
class Block implements MemoryBlock {
  static final int FREED = 1;
  static final int SEALED = 2;

  /**
   * The allocation was sampled and reported to the listeners, which hear of its free too. Set
   * before the block is handed out and never changed.
   */
  static final int SAMPLED = 4;

  /** The slack sits above the three flags (slack is below 1 MiB, one page: 20 bits). */
  private static final int SLACK_SHIFT = 3;

  /** What a check answers for an access that must leave and start again: the region is moving. */
  private static final long RETRY = -1;

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

  /**
   * FREED, SEALED and SAMPLED in the low bits; above them the slack. Read with volatile semantics
   * through {@link #STATE} (see the class note); written plainly in the constructor, where a
   * volatile store would add a fence to every allocation.
   */
  private int state;

  Block(Region region, int index, int slack) {
    this.region = region;
    this.index = index;
    this.state = slack << SLACK_SHIFT;
  }

  /** Marks the block freed with a CAS; false if it already was (a double free). */
  final boolean markFreed() {
    int s;
    do {
      s = (int) STATE.getVolatile(this);
      if ((s & FREED) != 0) {
        return false;
      }
    } while (!STATE.compareAndSet(this, s, s | FREED));
    return true;
  }

  /**
   * Marks the block sampled. Only the allocating thread calls this, before it hands the block out,
   * so a plain store is enough, as for the constructor's.
   */
  final void markSampled() {
    state |= SAMPLED;
  }

  /** Whether the allocation was sampled; the flag never changes once the block is handed out. */
  final boolean isSampled() {
    return (state & SAMPLED) != 0;
  }

  final boolean isFreed() {
    return ((int) STATE.getVolatile(this) & FREED) != 0;
  }

  final long requestedSize() {
    return region.stride - (state >>> SLACK_SHIFT);
  }

  /**
   * Absolute address of {@code offset} in this block after the checks of a read, or {@link #RETRY}
   * when the region is moving. Called inside an access (after {@link AccessGuard#enter()}).
   */
  private long checkRead(Region r, long offset, long length) {
    int s = (int) STATE.getVolatile(this);
    if ((s & FREED) != 0) {
      throw freed();
    }
    return checkBounds(r, s, offset, length);
  }

  /**
   * {@link #checkRead} for a write, which a sealed block refuses too. A write through a domain's
   * block that passes the checks is charged to the calling thread's gas meters on that domain
   * ({@link Domain#chargeWrite}) before it writes, once per write: a check that answers RETRY
   * charges nothing.
   */
  private long checkWrite(Region r, long offset, long length) {
    int s = (int) STATE.getVolatile(this);
    if ((s & (FREED | SEALED)) != 0) {
      if ((s & FREED) != 0) {
        throw freed();
      }
      AuditLog.sealedWrite(offset, length, r.stride - (s >>> SLACK_SHIFT));
      throw new AccessViolationException(
          "write of "
              + length
              + " bytes at offset "
              + offset
              + " to a sealed block of "
              + (r.stride - (s >>> SLACK_SHIFT))
              + " bytes");
    }
    long at = checkBounds(r, s, offset, length);
    if (at != RETRY && this instanceof DomainBlock d) {
      d.domain().chargeWrite(length);
    }
    return at;
  }

  /**
   * Compares against the requested size, computed from the region's limit: the limit is the stride
   * while the memory is there and far below zero while it is moving or after it was released, so
   * this one comparison also catches both; the slow path tells them apart.
   */
  private long checkBounds(Region r, int s, long offset, long length) {
    long limit = r.limit;
    long size = limit - (s >>> SLACK_SHIFT);
    // length > size first: with size far below zero (moving, released), size - length would wrap
    // to a large positive bound for a huge length and let the access through.
    if ((offset | length) < 0 || length > size || offset > size - length) {
      if (limit == Region.MOVING) {
        return RETRY;
      }
      throw outside(r, s, offset, length);
    }
    return r.address + (long) index * r.stride + offset;
  }

  private static RuntimeException outside(Region r, int s, long offset, long length) {
    AuditLog.outOfBounds(r.isReleased(), offset, length, r.stride - (s >>> SLACK_SHIFT));
    if (r.isReleased()) {
      return new IllegalStateException(
          "block of "
              + (r.stride - (s >>> SLACK_SHIFT))
              + " bytes can no longer be used: its memory was returned when its pool closed");
    }
    return new IndexOutOfBoundsException(
        "range ["
            + offset
            + ", "
            + offset
            + " + "
            + length
            + ") is out of bounds for a block of "
            + (r.stride - (s >>> SLACK_SHIFT))
            + " bytes");
  }

  private UseAfterFreeException freed() {
    AuditLog.useAfterFree(size());
    return new UseAfterFreeException("block of " + size() + " bytes was used after it was freed");
  }

  @Override
  public final long size() {
    return requestedSize();
  }

  /** The bytes the block really occupies: its size class, or its pages. Never accessible. */
  final long usableSize() {
    return region.stride;
  }

  @Override
  public final boolean isValid() {
    return !isFreed() && !region.isReleased();
  }

  /**
   * After a scalar read: whether the value read is the block's own. The read did not announce
   * itself, so the memory may have been reused or moved under it; it then saw the handle freed, the
   * region moved or released, and the value is dropped. The fence keeps these loads after the
   * memory's (a compiler barrier on x86; a load fence on AArch64). Reachability: {@code this} and
   * its region are used here, after the read, so direct memory stays mapped through it.
   */
  private boolean stillValid(Region r, int moves) {
    VarHandle.loadLoadFence();
    return (moves & 1) == 0
        && r.moves == moves
        && r.limit != Region.RELEASED
        && ((int) STATE.getVolatile(this) & FREED) == 0;
  }

  // Writes and bulk copies run inside AccessGuard's protocol (the try block); scalar reads check
  // afterwards instead (stillValid), which needs no store and no fence: a read that raced a free
  // or a move is dropped and retried, and the retry throws or reads the new place. Each accessor
  // branches on the region's memory: direct memory through the constant segment, which lets the
  // JIT drop that segment's own checks (PoolMemory's note), checked memory through its arena's
  // segment. A check that answers RETRY (the region is moving) leaves, waits for the move, and
  // starts again.

  @Override
  public final byte getByte(long offset) {
    while (true) {
      Region r = region;
      int moves = r.moves;
      long at = checkRead(r, offset, 1);
      if (at != RETRY) {
        byte value;
        if (r.direct) {
          value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_BYTE, at);
        } else {
          try {
            value = r.memory.segment.get(ValueLayout.JAVA_BYTE, at - r.memory.address);
          } catch (IllegalStateException closed) {
            continue; // its memory was released under it: the next check says why
          }
        }
        if (stillValid(r, moves)) {
          return value;
        }
      } else {
        r.awaitMove();
      }
    }
  }

  @Override
  public final void setByte(long offset, byte value) {
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkWrite(r, offset, 1);
        if (at != RETRY) {
          if (r.direct) {
            PoolMemory.EVERYTHING.set(ValueLayout.JAVA_BYTE, at, value);
          } else {
            r.memory.segment.set(ValueLayout.JAVA_BYTE, at - r.memory.address, value);
          }
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
  }

  @Override
  public final int getInt(long offset) {
    while (true) {
      Region r = region;
      int moves = r.moves;
      long at = checkRead(r, offset, 4);
      if (at != RETRY) {
        int value;
        if (r.direct) {
          value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_INT_UNALIGNED, at);
        } else {
          try {
            value = r.memory.segment.get(ValueLayout.JAVA_INT_UNALIGNED, at - r.memory.address);
          } catch (IllegalStateException closed) {
            continue; // its memory was released under it: the next check says why
          }
        }
        if (stillValid(r, moves)) {
          return value;
        }
      } else {
        r.awaitMove();
      }
    }
  }

  @Override
  public final void setInt(long offset, int value) {
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkWrite(r, offset, 4);
        if (at != RETRY) {
          if (r.direct) {
            PoolMemory.EVERYTHING.set(ValueLayout.JAVA_INT_UNALIGNED, at, value);
          } else {
            r.memory.segment.set(ValueLayout.JAVA_INT_UNALIGNED, at - r.memory.address, value);
          }
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
  }

  @Override
  public final long getLong(long offset) {
    while (true) {
      Region r = region;
      int moves = r.moves;
      long at = checkRead(r, offset, 8);
      if (at != RETRY) {
        long value;
        if (r.direct) {
          value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        } else {
          try {
            value = r.memory.segment.get(ValueLayout.JAVA_LONG_UNALIGNED, at - r.memory.address);
          } catch (IllegalStateException closed) {
            continue; // its memory was released under it: the next check says why
          }
        }
        if (stillValid(r, moves)) {
          return value;
        }
      } else {
        r.awaitMove();
      }
    }
  }

  @Override
  public final void setLong(long offset, long value) {
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkWrite(r, offset, 8);
        if (at != RETRY) {
          if (r.direct) {
            PoolMemory.EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, at, value);
          } else {
            r.memory.segment.set(ValueLayout.JAVA_LONG_UNALIGNED, at - r.memory.address, value);
          }
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
  }

  @Override
  public final void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
    Objects.checkFromIndexSize(sourceIndex, length, source.length);
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkWrite(r, offset, length);
        if (at != RETRY) {
          MemorySegment.copy(
              source, sourceIndex, r.view(), ValueLayout.JAVA_BYTE, r.viewOffset(at), length);
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
  }

  @Override
  public final void copyTo(long offset, byte[] target, int targetIndex, int length) {
    Objects.checkFromIndexSize(targetIndex, length, target.length);
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkRead(r, offset, length);
        if (at != RETRY) {
          MemorySegment.copy(
              r.view(), ValueLayout.JAVA_BYTE, r.viewOffset(at), target, targetIndex, length);
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
  }

  @Override
  public final void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
    Objects.requireNonNull(target, "target is null");
    if (!(target instanceof Block other)) {
      throw new AccessViolationException(
          "copy target is not an Omega Memory block: " + target.getClass().getName());
    }
    while (true) {
      Region moving;
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        Region t = other.region;
        long from = checkRead(r, offset, length);
        // Not checked (so not charged) when the source must retry: a retry would charge again.
        long to = from == RETRY ? RETRY : other.checkWrite(t, targetOffset, length);
        if (from != RETRY && to != RETRY) {
          MemorySegment.copy(r.view(), r.viewOffset(from), t.view(), t.viewOffset(to), length);
          return;
        }
        moving = from == RETRY ? r : t;
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
        Reference.reachabilityFence(other);
      }
      moving.awaitMove();
    }
  }

  @Override
  public final void fill(byte value) {
    fill(0, size(), value);
  }

  @Override
  public final void fill(long offset, long length, byte value) {
    while (true) {
      AccessGuard.Record g = AccessGuard.enter();
      try {
        Region r = region;
        long at = checkWrite(r, offset, length);
        if (at != RETRY) {
          r.view().asSlice(r.viewOffset(at), length).fill(value);
          return;
        }
      } finally {
        AccessGuard.exit(g);
        Reference.reachabilityFence(this); // keeps the region, and so direct memory, mapped
      }
      region.awaitMove();
    }
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
