package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.spi.PinnedMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The heap's own space for object storage: size-segregated cells carved from chunks that the heap
 * takes from the memory manager, so that allocating and freeing an object costs a few array
 * operations instead of a manager call, and a sweep that frees a million objects touches only dense
 * Java arrays (the way MMTk's mark-sweep space and malloc-style free-list spaces work).
 *
 * <p>Design note. Terms: a <em>chunk</em> is one manager block of {@link #chunkBytes()} bytes
 * (between 4 KiB and 64 KiB; 1/32 of the capacity for small heaps); a <em>cell class</em> is a cell
 * size: multiples of 8 up to 128 B, then four classes per doubling (25 % worst-case rounding) up to
 * {@link #largestCell()} (an eighth of a chunk). Every chunk serves one class. An object larger
 * than the largest cell gets a manager block of its own, held as a single-cell chunk of class -1.
 * Addresses:
 *
 * <pre>
 *   cell address (long)   [ chunk index : 32 | byte offset in the chunk : 32 ]
 *   per chunk             block, cell class, stride, live cells, bump offset (never-used cells
 *                         start there), stack of freed cells' offsets (char[], lazily made),
 *                         its link in its class's list of chunks that have room ({@link IndexLists})
 * </pre>
 *
 * Allocation takes the first chunk in its class's list: a freed cell if its stack has one, else the
 * cell at the bump offset; a chunk that becomes full leaves the list. Freeing pushes the cell on
 * its chunk's stack and puts the chunk back on the list. A chunk whose last cell is freed goes back
 * to the manager unless it is its class's only chunk with room (kept so that a class that allocates
 * and dies in waves does not take and return a chunk each wave); {@link #releaseEmptyChunks()}
 * returns those too when the manager is out of memory. All operations are O(1) except that one. A
 * cell is zeroed when it is handed out, so no object sees the bytes of the one that used the cell
 * before.
 *
 * <p>Thread safety: confined to its heap's lock. It calls the manager only to give chunks back
 * (which never collects); taking a new chunk is the caller's job, outside that lock.
 */
final class CellSpace {
  static final int MIN_CHUNK = 4 << 10;
  static final int MAX_CHUNK = 64 << 10;
  private static final int SMALL_LIMIT = 128;

  private final MemoryManager manager;
  private final int chunkBytes;
  private final int largestCell;
  private final IndexLists roomy;

  /**
   * Each chunk's block. Volatile, as is {@link #raw}: threads read both without a lock, and a plain
   * field would publish a grown array racily (a reader could see it before the copied elements).
   */
  private volatile MemoryBlock[] block = new MemoryBlock[64];

  /**
   * Each chunk's bytes as a raw segment when the manager lends them ({@link PinnedMemory}), else
   * null and the chunk is reached through its checked block. The heap validates every object by its
   * id before and after it touches a cell, and gives a chunk back only in a pause, so the pool's
   * per-access checks are ones the heap already makes.
   */
  private volatile MemorySegment[] raw = new MemorySegment[64];

  private final PinnedMemory pinner;
  private int[] cellClass = new int[64];
  private int[] stride = new int[64];
  private int[] live = new int[64];
  private int[] bump = new int[64];
  private char[][] freed = new char[64][];
  private int[] freedTop = new int[64];
  private boolean[] listed = new boolean[64];
  private int chunkHighWater;
  private int[] spareChunkIndices = new int[64];
  private int spareTop;
  private long heldBytes;

  /** A deterministic heap's reserved chunks ({@link ChunkReserve}); null on other heaps. */
  private ChunkReserve reserve;

  CellSpace(MemoryManager manager, long capacityBytes) {
    this.manager = manager;
    this.pinner = manager instanceof PinnedMemory lender ? lender : null;
    long wanted = Long.highestOneBit(Math.max(1, capacityBytes / 32));
    this.chunkBytes = Math.clamp(wanted, MIN_CHUNK, MAX_CHUNK);
    this.largestCell = chunkBytes / 8;
    int classes = classOf(largestCell) + 1;
    this.roomy = new IndexLists(classes, 64);
  }

  /**
   * Reserves {@code bytes} of chunks for a deterministic heap: new chunks come from them first, and
   * emptied ones go back to them instead of to the manager.
   */
  void reserve(long bytes) {
    reserve = new ChunkReserve(manager, chunkBytes, bytes);
  }

  /** A reserved chunk for a new block of {@code blockBytes}, or null (none, or not a chunk). */
  MemoryBlock takeReserved(long blockBytes) {
    return reserve != null && blockBytes == chunkBytes ? reserve.take() : null;
  }

  /** Bytes in each chunk taken from the manager. */
  int chunkBytes() {
    return chunkBytes;
  }

  /** The largest object kept in a cell; larger ones get a block of their own. */
  int largestCell() {
    return largestCell;
  }

  /** Bytes currently taken from the manager (chunks and large objects). */
  long heldBytes() {
    return heldBytes;
  }

  /** The cell class of an object of {@code bytes} (1..largestCell). */
  static int classOf(long bytes) {
    if (bytes <= SMALL_LIMIT) {
      return (int) ((Math.max(bytes, 1) + 7) >>> 3) - 1;
    }
    int log = 63 - Long.numberOfLeadingZeros(bytes - 1);
    long step = 1L << (log - 2);
    long rounded = (bytes + step - 1) & -step;
    return 16 + (log - 7) * 4 + (int) (rounded / step) - 5;
  }

  /** The cell size of class {@code c}. */
  static int cellSize(int c) {
    if (c < 16) {
      return (c + 1) * 8;
    }
    int log = 7 + (c - 16) / 4;
    return (1 << log) + ((c - 16) % 4 + 1) * (1 << (log - 2));
  }

  /** How many bytes to ask the manager for when no cell is free for {@code bytes}. */
  long blockBytesFor(long bytes) {
    return bytes > largestCell ? bytes : chunkBytes;
  }

  /** A cell for {@code bytes} from the chunks already held, or -1 if a new block is needed. */
  long tryAllocate(long bytes) {
    if (bytes > largestCell) {
      return -1;
    }
    int chunk = roomy.head(classOf(bytes));
    return chunk < 0 ? -1 : carve(chunk);
  }

  /**
   * Adopts {@code newBlock} (of {@link #blockBytesFor} bytes, just taken from the manager) and
   * returns a cell for {@code bytes} from it.
   */
  long adopt(MemoryBlock newBlock, long bytes) {
    int chunk = newChunkIndex();
    block[chunk] = newBlock;
    raw[chunk] = pinner == null ? null : pinner.pin(newBlock);
    live[chunk] = 0;
    freedTop[chunk] = 0;
    heldBytes += newBlock.size();
    if (bytes > largestCell) {
      cellClass[chunk] = -1;
      stride[chunk] = (int) newBlock.size();
      bump[chunk] = stride[chunk];
      live[chunk] = 1;
      return address(chunk, 0);
    }
    int c = classOf(bytes);
    cellClass[chunk] = c;
    stride[chunk] = cellSize(c);
    bump[chunk] = 0;
    if (freed[chunk] != null && freed[chunk].length < chunkBytes / stride[chunk]) {
      freed[chunk] = null;
    }
    list(chunk);
    return carve(chunk);
  }

  /** The 8 bytes at {@code offset} of the cell at {@code address} (the cell is live). */
  long getLong(long address, long offset) {
    int chunk = (int) (address >>> 32);
    MemorySegment bytes = lent(chunk);
    long at = offsetOf(address) + offset;
    return bytes != null
        ? bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, at)
        : blockOf(address).getLong(at);
  }

  void setLong(long address, long offset, long value) {
    int chunk = (int) (address >>> 32);
    MemorySegment bytes = lent(chunk);
    long at = offsetOf(address) + offset;
    if (bytes != null) {
      bytes.set(ValueLayout.JAVA_LONG_UNALIGNED, at, value);
    } else {
      blockOf(address).setLong(at, value);
    }
  }

  void setInt(long address, long offset, int value) {
    int chunk = (int) (address >>> 32);
    MemorySegment bytes = lent(chunk);
    long at = offsetOf(address) + offset;
    if (bytes != null) {
      bytes.set(ValueLayout.JAVA_INT_UNALIGNED, at, value);
    } else {
      blockOf(address).setInt(at, value);
    }
  }

  void setByte(long address, long offset, byte value) {
    int chunk = (int) (address >>> 32);
    MemorySegment bytes = lent(chunk);
    long at = offsetOf(address) + offset;
    if (bytes != null) {
      bytes.set(ValueLayout.JAVA_BYTE, at, value);
    } else {
      blockOf(address).setByte(at, value);
    }
  }

  /**
   * Copies {@code length} bytes from {@code offset} of the live cell at {@code address} into {@code
   * into} at {@code at} (the snapshot's and the digest's reads of payloads, in a pause).
   */
  void copyOut(long address, long offset, byte[] into, int at, int length) {
    MemorySegment bytes = lent((int) (address >>> 32));
    long from = offsetOf(address) + offset;
    if (bytes != null) {
      MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, from, into, at, length);
    } else {
      blockOf(address).copyTo(from, into, at, length);
    }
  }

  /**
   * {@link #getLong} for a reader without a lock, whose cell may have been freed, and its chunk
   * given back, since it looked: 0 then (the reader's own check of the object's generation then
   * fails and it reads again). Reads through a lent segment never fault; a checked block refuses.
   */
  long readLongRacing(long address, long offset, int length) {
    if (address < 0) {
      return 0;
    }
    int chunk = (int) (address >>> 32);
    MemorySegment bytes = lent(chunk);
    long at = offsetOf(address) + offset;
    try {
      if (bytes != null) {
        return switch (length) {
          case 1 -> bytes.get(ValueLayout.JAVA_BYTE, at);
          case 4 -> bytes.get(ValueLayout.JAVA_INT_UNALIGNED, at);
          default -> bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        };
      }
      MemoryBlock[] blocks = block;
      MemoryBlock memory = chunk < blocks.length ? blocks[chunk] : null;
      if (memory == null) {
        return 0;
      }
      return switch (length) {
        case 1 -> memory.getByte(at);
        case 4 -> memory.getInt(at);
        default -> memory.getLong(at);
      };
    } catch (RuntimeException e) {
      return 0; // freed block, released pool, or a stale offset: the caller reads again
    }
  }

  /**
   * The lent segment of {@code chunk}, or null (nothing lent, or a view of the arrays from before
   * the chunk came; the checked block then serves, which the lock that adopted it published).
   */
  private MemorySegment lent(int chunk) {
    MemorySegment[] segments = raw;
    return chunk < segments.length ? segments[chunk] : null;
  }

  /** The block that holds the cell at {@code address}. */
  MemoryBlock blockOf(long address) {
    return block[(int) (address >>> 32)];
  }

  static int offsetOf(long address) {
    return (int) address;
  }

  /** Frees the cell at {@code address}; may give its chunk back to the manager. */
  void free(long address) {
    int chunk = (int) (address >>> 32);
    int c = cellClass[chunk];
    if (--live[chunk] == 0 && (c < 0 || roomy.count(c) > (listed[chunk] ? 1 : 0))) {
      if (listed[chunk]) {
        unlist(chunk);
      }
      release(chunk);
      return;
    }
    char[] stack = freed[chunk];
    if (stack == null) {
      stack = new char[chunkBytes / stride[chunk]];
      freed[chunk] = stack;
    }
    // The byte offset itself (below 64 KiB, so it fits a char): no division on the sweep's path.
    stack[freedTop[chunk]++] = (char) offsetOf(address);
    if (!listed[chunk]) {
      list(chunk);
    }
  }

  /** Gives every chunk with no live cell back to the manager; returns how many. */
  int releaseEmptyChunks() {
    return releaseChunks(true);
  }

  /** Gives every block back, live cells or not: the heap is closing. */
  void close() {
    releaseChunks(false);
    if (reserve != null) {
      reserve.close();
    }
  }

  private int releaseChunks(boolean onlyEmpty) {
    int released = 0;
    for (int chunk = 0; chunk < chunkHighWater; chunk++) {
      if (block[chunk] != null && (!onlyEmpty || live[chunk] == 0)) {
        if (listed[chunk]) {
          unlist(chunk);
        }
        release(chunk);
        released++;
      }
    }
    return released;
  }

  private long carve(int chunk) {
    int offset;
    if (freedTop[chunk] > 0) {
      offset = freed[chunk][--freedTop[chunk]];
    } else {
      offset = bump[chunk];
      bump[chunk] = offset + stride[chunk];
    }
    live[chunk]++;
    if (freedTop[chunk] == 0 && bump[chunk] + stride[chunk] > chunkBytes) {
      unlist(chunk);
    }
    MemoryBlock memory = block[chunk];
    int cellBytes = stride[chunk];
    MemorySegment bytes = raw[chunk];
    if (bytes != null) {
      if (cellBytes <= 64) {
        for (int at = 0; at < cellBytes; at += 8) {
          bytes.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + at, 0);
        }
      } else {
        bytes.asSlice(offset, cellBytes).fill((byte) 0);
      }
    } else if (cellBytes <= 64) {
      // A few word stores beat a slice-and-fill for the common small cell.
      for (int at = 0; at < cellBytes; at += 8) {
        memory.setLong(offset + at, 0);
      }
    } else {
      memory.fill(offset, cellBytes, (byte) 0);
    }
    return address(chunk, offset);
  }

  private static long address(int chunk, int offset) {
    return ((long) chunk << 32) | offset;
  }

  private void release(int chunk) {
    MemoryBlock gone = block[chunk];
    block[chunk] = null;
    if (raw[chunk] != null) {
      raw[chunk] = null;
      pinner.unpin(gone);
    }
    heldBytes -= gone.size();
    spareChunkIndices[spareTop++] = chunk;
    if (reserve == null || !reserve.putBack(gone)) {
      manager.deallocate(gone);
    }
  }

  private int newChunkIndex() {
    if (spareTop > 0) {
      return spareChunkIndices[--spareTop];
    }
    if (chunkHighWater == block.length) {
      int n = block.length * 2;
      raw = Arrays.copyOf(raw, n);
      block = Arrays.copyOf(block, n);
      cellClass = Arrays.copyOf(cellClass, n);
      stride = Arrays.copyOf(stride, n);
      live = Arrays.copyOf(live, n);
      bump = Arrays.copyOf(bump, n);
      freed = Arrays.copyOf(freed, n);
      freedTop = Arrays.copyOf(freedTop, n);
      roomy.ensureCapacity(n);
      listed = Arrays.copyOf(listed, n);
      spareChunkIndices = Arrays.copyOf(spareChunkIndices, n);
    }
    return chunkHighWater++;
  }

  private void list(int chunk) {
    roomy.link(cellClass[chunk], chunk);
    listed[chunk] = true;
  }

  private void unlist(int chunk) {
    roomy.unlink(cellClass[chunk], chunk);
    listed[chunk] = false;
  }

  /** Problems with the space's own bookkeeping, for the heap's integrity check. */
  List<String> verify(long liveCellsExpected) {
    List<String> problems = new ArrayList<>();
    long cells = 0;
    long bytes = 0;
    for (int chunk = 0; chunk < chunkHighWater; chunk++) {
      if (block[chunk] == null) {
        continue;
      }
      cells += live[chunk];
      bytes += block[chunk].size();
      int c = cellClass[chunk];
      if (c >= 0) {
        int capacity = chunkBytes / stride[chunk];
        if (live[chunk] + freedTop[chunk] != bump[chunk] / stride[chunk]
            || bump[chunk] / stride[chunk] > capacity) {
          problems.add(
              "chunk "
                  + chunk
                  + " counts "
                  + live[chunk]
                  + " live and "
                  + freedTop[chunk]
                  + " freed cells but has handed out "
                  + bump[chunk] / stride[chunk]);
        }
        boolean room = freedTop[chunk] > 0 || bump[chunk] + stride[chunk] <= chunkBytes;
        if (room != listed[chunk]) {
          problems.add("chunk " + chunk + (room ? " has room but is not listed" : " is listed"));
        }
      }
    }
    if (cells != liveCellsExpected) {
      problems.add("cell space counts " + cells + " live cells, heap has " + liveCellsExpected);
    }
    if (bytes != heldBytes) {
      problems.add("cell space holds " + bytes + " bytes but counts " + heldBytes);
    }
    return problems;
  }
}
