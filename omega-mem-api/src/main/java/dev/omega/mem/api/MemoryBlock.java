package dev.omega.mem.api;

/**
 * A handle to a run of off-heap bytes handed out by a {@link MemoryManager} or {@link MemoryPool}.
 *
 * <p>A handle is not an address. It carries the generation of the slot it names, so every access
 * after {@code deallocate} throws {@link UseAfterFreeException} instead of reading memory that has
 * since been handed to someone else, and a block that a compaction moved keeps working. Every
 * access is bounds-checked against {@link #size()} and throws {@link IndexOutOfBoundsException}
 * outside it; writes to a {@linkplain #seal() sealed} block throw {@link AccessViolationException}.
 * A failed access changes nothing.
 *
 * <p>Multi-byte values are stored in native byte order. Offsets are in bytes from the start of the
 * block.
 *
 * <p>Thread safety: a handle may be shared between threads. Reads and writes of distinct bytes from
 * different threads are safe; concurrent writes to the same bytes race as plain Java fields do, and
 * publishing a block to another thread needs the usual happens-before edge. Whatever other threads
 * do at the same time (free this or other blocks, allocate, compact, close), an access through a
 * handle never reads or writes another live block's bytes: an access racing the free of its own
 * block either completes on that block's bytes or throws {@link UseAfterFreeException}, because
 * freed memory is reused only after every access that saw the block live has finished; an access
 * racing compaction waits for the move and then runs on the moved block, so no write is lost. Of
 * two frees of one block racing on two threads, exactly one returns and the other throws {@link
 * DoubleFreeException}. ({@code SafetyUnderConcurrencyIT} and the jcstress races in {@code
 * omega-mem-it} check each of these.)
 */
public interface MemoryBlock {

  /**
   * The size that was requested, in bytes: the bound of every access. The slack of the size class
   * the block was served from is never accessible.
   */
  long size();

  /**
   * Whether this handle still names live memory (false after free, or after its pool closed, when
   * every access throws {@link IllegalStateException}).
   */
  boolean isValid();

  byte getByte(long offset);

  void setByte(long offset, byte value);

  int getInt(long offset);

  void setInt(long offset, int value);

  long getLong(long offset);

  void setLong(long offset, long value);

  /**
   * Copies {@code length} bytes of {@code source} starting at {@code sourceIndex} into this block.
   */
  void copyFrom(byte[] source, int sourceIndex, long offset, int length);

  /** Copies {@code length} bytes of this block starting at {@code offset} into {@code target}. */
  void copyTo(long offset, byte[] target, int targetIndex, int length);

  /**
   * Copies {@code length} bytes from this block into {@code target}; both blocks are checked. The
   * two blocks may be the same block with overlapping ranges.
   */
  void copyTo(long offset, MemoryBlock target, long targetOffset, long length);

  /** Sets every byte of the block to {@code value}. */
  void fill(byte value);

  /** Sets {@code length} bytes from {@code offset} to {@code value}. */
  void fill(long offset, long length, byte value);

  /** Makes the block read-only for good; later writes throw {@link AccessViolationException}. */
  void seal();

  boolean isSealed();

  /** Convenience: the whole block as a new byte array. */
  default byte[] toByteArray() {
    long size = size();
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("block of " + size + " bytes does not fit in a byte[]");
    }
    byte[] bytes = new byte[(int) size];
    copyTo(0, bytes, 0, bytes.length);
    return bytes;
  }
}
