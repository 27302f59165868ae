package dev.omega.mem.gc;

import java.util.Arrays;
import java.util.Objects;

/** A growable stack of longs: the work lists of tracing and cycle collection, with no boxing. */
final class LongStack {
  private long[] items;
  private int size;

  LongStack() {
    this(64);
  }

  LongStack(int initialCapacity) {
    items = new long[Math.max(1, initialCapacity)];
  }

  void push(long value) {
    if (size == items.length) {
      items = Arrays.copyOf(items, size * 2);
    }
    items[size++] = value;
  }

  long pop() {
    return items[--size];
  }

  /** The top element; the stack must not be empty. */
  long peek() {
    return items[size - 1];
  }

  long get(int index) {
    return items[index];
  }

  void set(int index, long value) {
    Objects.checkIndex(index, size);
    items[index] = value;
  }

  /**
   * The backing array, with room for at least {@code room} more elements after {@link #size}: for a
   * bulk fill (such as {@link dev.omega.mem.spi.HeapAccess#references}) followed by {@link
   * #extend}. Valid until the stack next grows.
   */
  long[] room(int room) {
    if (items.length - size < room) {
      items = Arrays.copyOf(items, Math.max(items.length * 2, size + room));
    }
    return items;
  }

  /** The backing array; its first {@link #size} elements are the stack. */
  long[] elements() {
    return items;
  }

  /** Takes in the {@code count} elements a bulk fill wrote after {@link #size}. */
  void extend(int count) {
    Objects.checkFromIndexSize(size, count, items.length);
    size += count;
  }

  /** Keeps the first {@code newSize} elements. */
  void truncate(int newSize) {
    Objects.checkFromToIndex(0, newSize, size);
    size = newSize;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** Empties the stack; a stack that grew past 1 Mi entries gives its storage back. */
  void clear() {
    size = 0;
    if (items.length > 1 << 20) {
      items = new long[64];
    }
  }

  /** Removes the element at {@code index} by moving the last one there (order not kept). */
  void swapRemove(int index) {
    items[index] = items[--size];
  }
}
