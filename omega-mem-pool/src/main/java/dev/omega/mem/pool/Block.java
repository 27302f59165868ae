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
 * through a freed handle gets {@code UseAfterFreeException} even after the slot was handed to
 * someone else (whose handle is another object). The block holds no address: it names a {@link
 * Region} and an index in it, and computes {@code region.address + index * region.stride} on each
 * access, so compaction can move the region. The bounds check compares with the region's limit,
 * which drops to 0 when the pool closes, so a closed pool's blocks are refused by the same check
 * ({@link PoolMemory} says why the memory under them stays mapped until they are unreachable).
 *
 * <p>Freeing, local and remote (the split mimalloc makes between a page's local and thread free
 * lists). A slab block carries an owner tag: the thread-cache slot of the thread that allocated it
 * (0: none). Only the live holder of that slot frees it with plain reads and writes ({@link
 * #markFreed(int)} answers LOCAL); any other thread sets FREED with a CAS, so of two racing remote
 * frees exactly one wins. A plain owner free can still race a remote one; then both think they won.
 * So a remote winner that sees an owner tag sets REMOTE as well and does not reuse the slot itself:
 * it queues the handle for the owner, who reuses it only if REMOTE is still set. The owner's plain
 * store writes back the word it read, which had no REMOTE, plus FREED; if it lands after a remote
 * CAS it erases that REMOTE. Whichever interleaving happens, the slot is reused once. The owner's
 * common free is therefore a load and a store, not a locked instruction (2.8 ns of a 21 ns
 * allocate-free pair, measured).
 *
 * <p>Layout (compressed oops): 12-byte header + region, index, state = 24 bytes. The state word is
 * {@code slack << 12 | owner << 3 | REMOTE | SEALED | FREED}: the slack (usable minus requested
 * size) is below one page (1 MiB, 20 bits) and the owner tag below 512 (9 bits). A free reads the
 * slab's id from the region it loads anyway, and the leak tracker's record lives in {@link
 * TrackedBlock}, so the handle every allocation makes is 24 bytes, not 32: a quarter less Java heap
 * per live block and per allocation. Every access checks state and bounds before touching memory; a
 * failed access changes nothing.
 *
 * <p>Thread safety: see {@link MemoryBlock}. State reads on the access path are plain (no fence),
 * so a free on another thread is seen eventually; remote frees and seals are atomic, and an owner's
 * plain free may drop a seal racing it (the block is freed either way). The slack is set in the
 * constructor, so a block handed to another thread without a happens-before edge (a data race in
 * the program) may report its requested size as its usable size; its flags are still exact.
 */
class Block implements MemoryBlock {
  static final int FREED = 1;
  static final int SEALED = 2;

  /** Freed by a thread other than the owner; the owner reuses the slot only while this is set. */
  static final int REMOTE = 4;

  static final int OWNER_SHIFT = 3;

  /** Owner tags are 1 to {@code OWNER_MASK}; 0 means no owner (every free takes the CAS). */
  static final int OWNER_MASK = (1 << 9) - 1;

  /** The slack sits above the owner tag (slack is below 1 MiB, one page: 20 bits). */
  private static final int SLACK_SHIFT = 12;

  /** {@link #markFreed(int)}: the caller was the owner and freed the block with plain accesses. */
  static final int LOCAL = 0;

  /** {@link #markFreed(int)}: freed with a CAS; the block has no owner, so the caller reuses it. */
  static final int UNOWNED = 1;

  /** {@link #markFreed(int)}: freed with a CAS and REMOTE set; the slot goes to its owner. */
  static final int QUEUED = 2;

  /** {@link #markFreed(int)}: the block was already freed. */
  static final int ALREADY = 3;

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

  /** FREED, SEALED, REMOTE and the owner tag in the low bits; above them the slack. */
  private int state;

  /**
   * @param owner the allocating thread's cache-slot tag, 1 to {@link #OWNER_MASK}, or 0 for none
   */
  Block(Region region, int index, int slack, int owner) {
    this.region = region;
    this.index = index;
    this.state = slack << SLACK_SHIFT | owner << OWNER_SHIFT;
  }

  /** The owner tag, 0 when the block has none. */
  final int owner() {
    return ownerOf(state);
  }

  private static int ownerOf(int state) {
    return (state >>> OWNER_SHIFT) & OWNER_MASK;
  }

  /**
   * Marks the block freed on behalf of the thread whose slot tag is {@code caller} (-1 for a thread
   * without a slot; never 0, which would match every unowned block); returns {@link #LOCAL}, {@link
   * #UNOWNED}, {@link #QUEUED} or {@link #ALREADY}. See the class note for why the owner may use
   * plain accesses.
   */
  final int markFreed(int caller) {
    int s = state;
    int owner = ownerOf(s);
    if (owner == caller) {
      if ((s & FREED) != 0) {
        return ALREADY;
      }
      // s has no REMOTE (it comes only with FREED), so when a remote CAS slipped in between this
      // read and this store, the store erases its REMOTE and the owner's queue drops that free.
      // Opaque (a plain store on x86) so the word's writes keep one order with the remote CAS.
      STATE.setOpaque(this, s | FREED);
      return LOCAL;
    }
    int freed = owner == 0 ? FREED : FREED | REMOTE;
    if ((s & FREED) == 0 && STATE.compareAndSet(this, s, s | freed)) {
      return owner == 0 ? UNOWNED : QUEUED;
    }
    do {
      s = (int) STATE.getVolatile(this);
      if ((s & FREED) != 0) {
        return ALREADY;
      }
    } while (!STATE.compareAndSet(this, s, s | freed));
    return owner == 0 ? UNOWNED : QUEUED;
  }

  /** Marks an unowned block freed with a CAS; false if it already was. */
  final boolean markFreed() {
    return markFreed(-1) != ALREADY;
  }

  /**
   * Whether the owner, draining its queue, should reuse this remotely freed block: REMOTE is still
   * set, so no plain owner free overwrote it. Called only by the owner (or a thread that holds the
   * owner's slot while no thread owns it), so the read needs no fence beyond the queue's.
   */
  final boolean stillRemote() {
    return ((int) STATE.getVolatile(this) & REMOTE) != 0;
  }

  final boolean isFreed() {
    return ((int) STATE.getVolatile(this) & FREED) != 0;
  }

  final long requestedSize() {
    return region.stride - (state >>> SLACK_SHIFT);
  }

  /**
   * Absolute address of {@code offset} in this block, after the checks of a read: not freed, and
   * {@code [offset, offset + length)} inside the block of a region whose memory is still there.
   */
  private long checkRead(Region r, long offset, long length) {
    if ((state & FREED) != 0) {
      throw freed();
    }
    checkBounds(r, offset, length);
    return r.address + (long) index * r.stride + offset;
  }

  /** {@link #checkRead} for a write, which a sealed block refuses too. */
  private long checkWrite(Region r, long offset, long length) {
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
    checkBounds(r, offset, length);
    return r.address + (long) index * r.stride + offset;
  }

  /**
   * Compares against the region's limit rather than the block's size: the limit is the size until
   * the memory is released and 0 after, so this one comparison also refuses a closed pool's blocks.
   */
  private static void checkBounds(Region r, long offset, long length) {
    if ((offset | length) < 0 || offset > r.limit - length) {
      throw outside(r, offset, length);
    }
  }

  private static RuntimeException outside(Region r, long offset, long length) {
    if (r.isReleased()) {
      return new IllegalStateException(
          "block of "
              + r.stride
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
            + r.stride
            + " bytes");
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
    return !isFreed() && !region.isReleased();
  }

  // Each accessor branches on the region's memory: direct memory through the constant segment,
  // which is what lets the JIT drop that segment's own checks (PoolMemory's note), and the fence
  // keeps the region, and so the mapping, reachable until the access is done; checked memory
  // through its arena's segment, at an offset relative to it.

  @Override
  public final byte getByte(long offset) {
    Region r = region;
    long at = checkRead(r, offset, 1);
    if (r.direct) {
      byte value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_BYTE, at);
      Reference.reachabilityFence(r);
      return value;
    }
    return r.memory.segment.get(ValueLayout.JAVA_BYTE, at - r.memory.address);
  }

  @Override
  public final void setByte(long offset, byte value) {
    Region r = region;
    long at = checkWrite(r, offset, 1);
    if (r.direct) {
      PoolMemory.EVERYTHING.set(ValueLayout.JAVA_BYTE, at, value);
      Reference.reachabilityFence(r);
    } else {
      r.memory.segment.set(ValueLayout.JAVA_BYTE, at - r.memory.address, value);
    }
  }

  @Override
  public final int getInt(long offset) {
    Region r = region;
    long at = checkRead(r, offset, 4);
    if (r.direct) {
      int value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_INT_UNALIGNED, at);
      Reference.reachabilityFence(r);
      return value;
    }
    return r.memory.segment.get(ValueLayout.JAVA_INT_UNALIGNED, at - r.memory.address);
  }

  @Override
  public final void setInt(long offset, int value) {
    Region r = region;
    long at = checkWrite(r, offset, 4);
    if (r.direct) {
      PoolMemory.EVERYTHING.set(ValueLayout.JAVA_INT_UNALIGNED, at, value);
      Reference.reachabilityFence(r);
    } else {
      r.memory.segment.set(ValueLayout.JAVA_INT_UNALIGNED, at - r.memory.address, value);
    }
  }

  @Override
  public final long getLong(long offset) {
    Region r = region;
    long at = checkRead(r, offset, 8);
    if (r.direct) {
      long value = PoolMemory.EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
      Reference.reachabilityFence(r);
      return value;
    }
    return r.memory.segment.get(ValueLayout.JAVA_LONG_UNALIGNED, at - r.memory.address);
  }

  @Override
  public final void setLong(long offset, long value) {
    Region r = region;
    long at = checkWrite(r, offset, 8);
    if (r.direct) {
      PoolMemory.EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, at, value);
      Reference.reachabilityFence(r);
    } else {
      r.memory.segment.set(ValueLayout.JAVA_LONG_UNALIGNED, at - r.memory.address, value);
    }
  }

  @Override
  public final void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
    Objects.checkFromIndexSize(sourceIndex, length, source.length);
    Region r = region;
    long at = checkWrite(r, offset, length);
    MemorySegment.copy(
        source, sourceIndex, r.view(), ValueLayout.JAVA_BYTE, r.viewOffset(at), length);
    Reference.reachabilityFence(r);
  }

  @Override
  public final void copyTo(long offset, byte[] target, int targetIndex, int length) {
    Objects.checkFromIndexSize(targetIndex, length, target.length);
    Region r = region;
    long at = checkRead(r, offset, length);
    MemorySegment.copy(
        r.view(), ValueLayout.JAVA_BYTE, r.viewOffset(at), target, targetIndex, length);
    Reference.reachabilityFence(r);
  }

  @Override
  public final void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
    Objects.requireNonNull(target, "target is null");
    if (!(target instanceof Block other)) {
      throw new AccessViolationException(
          "copy target is not an Omega Memory block: " + target.getClass().getName());
    }
    Region r = region;
    Region t = other.region;
    long from = checkRead(r, offset, length);
    long to = other.checkWrite(t, targetOffset, length);
    MemorySegment.copy(r.view(), r.viewOffset(from), t.view(), t.viewOffset(to), length);
    Reference.reachabilityFence(r);
    Reference.reachabilityFence(t);
  }

  @Override
  public final void fill(byte value) {
    fill(0, size(), value);
  }

  @Override
  public final void fill(long offset, long length, byte value) {
    Region r = region;
    long at = checkWrite(r, offset, length);
    r.view().asSlice(r.viewOffset(at), length).fill(value);
    Reference.reachabilityFence(r);
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
