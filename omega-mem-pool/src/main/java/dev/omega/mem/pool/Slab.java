package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;
import java.util.function.IntConsumer;

/**
 * A page run carved into {@link #capacity} blocks of one size class.
 *
 * <p>Layout: block i occupies {@code [base + i * stride, base + (i + 1) * stride)}. Free blocks are
 * an int stack ({@code free[0, top)}): 4 bytes of Java-heap metadata per block and none off-heap. A
 * fresh slab hands out indices in address order (the stack is filled in reverse).
 *
 * <p>Thread safety: guarded by its {@link SizeClass}'s lock.
 */
final class Slab extends Region {
  final SizeClass sizeClass;

  /** {@code sizeClass.index}, one load nearer for the free path. */
  final int classIndex;

  final int capacity;
  private final int[] free;
  private int top;

  /** Name in the manager's {@link SlabIds} while the slab is alive; -1 before and after. */
  int id = -1;

  /** Whether the slab is in its class's list of slabs with free blocks. */
  boolean listed;

  Slab(
      PoolMemory memory,
      Object owner,
      SizeClass sizeClass,
      long startPage,
      long pages,
      long pageSize) {
    super(memory, owner, sizeClass.blockSize, PageState.SLAB, startPage, pages, pageSize);
    this.sizeClass = sizeClass;
    this.classIndex = sizeClass.index;
    this.capacity = (int) (pages * pageSize / sizeClass.blockSize);
    this.free = new int[capacity];
    for (int i = 0; i < capacity; i++) {
      free[i] = capacity - 1 - i;
    }
    this.top = capacity;
  }

  boolean hasFree() {
    return top > 0;
  }

  boolean isEmpty() {
    return top == capacity;
  }

  int freeCount() {
    return top;
  }

  /** Calls {@code action} with each free index (for integrity checks). */
  void forEachFree(IntConsumer action) {
    for (int i = 0; i < top; i++) {
      action.accept(free[i]);
    }
  }

  /** Pops a free index; the caller checked {@link #hasFree()}. */
  int take() {
    return free[--top];
  }

  /** Returns an index; a full stack means the index was returned twice (a bug upstream). */
  void give(int index) {
    if (top == capacity) {
      throw new IllegalStateException(
          "slab of class " + stride + " got more blocks back than it has");
    }
    free[top++] = index;
  }
}
