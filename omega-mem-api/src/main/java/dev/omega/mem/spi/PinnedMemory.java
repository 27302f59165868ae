package dev.omega.mem.spi;

import dev.omega.mem.api.MemoryBlock;
import java.lang.foreign.MemorySegment;

/**
 * A memory manager that can lend a block's bytes as a raw segment, for a plugin that keeps its own
 * checks over memory it owns: the managed heap's chunks, whose objects are validated by the heap's
 * ids. Reach it with {@code manager instanceof PinnedMemory}; a manager may lend none.
 *
 * <p>What holds: while a block is pinned the pool never moves it (compaction works around it), and
 * the segment stays backed by memory the JVM may touch for as long as the segment is reachable, so
 * no access through it can crash the process, even after the block is freed or the pool closed.
 * What the lender cannot hold: an access through the segment is not checked against the block's
 * life. The borrower must stop using it before {@link #unpin} (or freeing the block), or it reads
 * and writes whatever the pool has put there since: memory of other blocks.
 */
public interface PinnedMemory {

  /**
   * Pins {@code block} and returns its bytes ({@code block.size()} of them), or {@code null} when
   * this block cannot be lent (memory outside the pool, or a block of another manager); the caller
   * then goes on through the block. Pins are counted: pin twice, unpin twice.
   *
   * @throws dev.omega.mem.api.UseAfterFreeException if the block was freed
   */
  MemorySegment pin(MemoryBlock block);

  /**
   * Lets the pool move {@code block} again once every pin is gone. Freeing a block drops its pins.
   *
   * @throws IllegalStateException if {@code block} is not pinned
   */
  void unpin(MemoryBlock block);
}
