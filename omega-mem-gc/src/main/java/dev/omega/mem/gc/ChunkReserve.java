package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.OutOfMemoryException;
import java.util.ArrayDeque;

/**
 * Chunks a deterministic heap takes from the memory manager when it is built and keeps for as long
 * as it lives, so that other users of the same pool cannot leave it short.
 *
 * <p>Design note. A deterministic heap decides out of memory by its accounting ({@link
 * DeterministicMode}); the chunks its cells live in must then be there whenever the accounting
 * allows an allocation, whatever other threads have taken from the pool meanwhile. So the heap
 * takes {@link #RESERVE_SHARE} of the pool's bytes, in chunks, when it is built (refusing to be
 * built if the pool cannot give them), takes new chunks from here before it asks the manager, and
 * puts chunks it empties back here instead of giving them to the manager. That share covers the
 * accounted capacity (half the pool) and a quarter more for cell rounding and partly used chunks;
 * an object larger than the largest cell gets a block of its own from the manager, as on any heap,
 * and is the one case the reserve does not cover.
 *
 * <p>Complexity: O(1) per take and put; O(chunks) to build and to close.
 *
 * <p>Thread safety: synchronized; taken from outside the cell space's lock, put back under it.
 */
final class ChunkReserve {
  /** The share of the pool a deterministic heap reserves: its accounted half and a quarter more. */
  static final double RESERVE_SHARE = 0.625;

  private final MemoryManager manager;
  private final int chunkBytes;
  private final ArrayDeque<MemoryBlock> chunks = new ArrayDeque<>();
  private boolean closed;

  /**
   * Takes {@code bytes} (rounded up to whole chunks) from {@code manager}.
   *
   * @throws OutOfMemoryException if the pool cannot give them; what was taken goes back first
   */
  ChunkReserve(MemoryManager manager, int chunkBytes, long bytes) {
    this.manager = manager;
    this.chunkBytes = chunkBytes;
    long wanted = (bytes + chunkBytes - 1) / chunkBytes;
    try {
      for (long i = 0; i < wanted; i++) {
        chunks.push(manager.allocate(chunkBytes));
      }
    } catch (OutOfMemoryException e) {
      close();
      OutOfMemoryException refused =
          new OutOfMemoryException(
              "a deterministic heap reserves "
                  + wanted * chunkBytes
                  + " bytes of the pool when it is built ("
                  + RESERVE_SHARE
                  + " of the pool, in "
                  + chunkBytes
                  + "-byte chunks) and the pool could not give them: build it first, or give"
                  + " the pool more room",
              wanted * chunkBytes,
              e.priority(),
              e.freeBytes(),
              e.largestFreeRunBytes(),
              e.fragmentation());
      refused.addSuppressed(e);
      throw refused;
    }
  }

  /** A reserved chunk, or null when none is left. */
  synchronized MemoryBlock take() {
    return chunks.poll();
  }

  /** Keeps {@code chunk} (a chunk the heap emptied); false if it is not one this reserve keeps. */
  synchronized boolean putBack(MemoryBlock chunk) {
    if (closed || chunk.size() != chunkBytes) {
      return false;
    }
    chunks.push(chunk);
    return true;
  }

  /** Gives every reserved chunk back to the manager (the heap is closing). */
  synchronized void close() {
    closed = true;
    for (MemoryBlock chunk : chunks) {
      manager.deallocate(chunk);
    }
    chunks.clear();
  }
}
