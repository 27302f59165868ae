package dev.omega.mem.gc;

import java.util.Arrays;
import java.util.function.LongConsumer;
import java.util.function.LongPredicate;

/**
 * A set of non-zero longs with no boxing: the generational collector's remembered set, which its
 * write barrier adds to on every old-to-young store.
 *
 * <p>Design note. Open addressing with linear probing in a power-of-two table; 0 marks an empty
 * cell (object ids are never 0). The table doubles at 50 % load, so a probe is short on average.
 * {@link #removeIf} rebuilds the table from the kept keys, which is simpler than tombstones and is
 * O(capacity), the same as the walk it is part of. Add and contains are O(1) expected.
 *
 * <p>Thread safety: not thread-safe; its collector uses it under the heap lock.
 */
final class LongHashSet {
  private long[] table = new long[64];
  private int size;

  boolean add(long key) {
    if (key == 0) {
      throw new IllegalArgumentException("0 is not a valid object id");
    }
    int mask = table.length - 1;
    int i = index(key, mask);
    while (table[i] != 0) {
      if (table[i] == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
    table[i] = key;
    if (++size * 2 > table.length) {
      rehash(table.length * 2);
    }
    return true;
  }

  boolean contains(long key) {
    if (key == 0) {
      return false;
    }
    int mask = table.length - 1;
    for (int i = index(key, mask); table[i] != 0; i = (i + 1) & mask) {
      if (table[i] == key) {
        return true;
      }
    }
    return false;
  }

  int size() {
    return size;
  }

  void forEach(LongConsumer action) {
    for (long key : table) {
      if (key != 0) {
        action.accept(key);
      }
    }
  }

  /** Removes every key {@code filter} accepts; the filter must not change this set. */
  void removeIf(LongPredicate filter) {
    long[] old = table;
    int kept = 0;
    long[] keep = new long[size];
    for (long key : old) {
      if (key != 0 && !filter.test(key)) {
        keep[kept++] = key;
      }
    }
    int capacity = 64;
    while (capacity < kept * 2 + 2) {
      capacity *= 2;
    }
    table = new long[capacity];
    size = 0;
    for (int i = 0; i < kept; i++) {
      add(keep[i]);
    }
  }

  private void rehash(int capacity) {
    long[] old = table;
    table = new long[capacity];
    size = 0;
    for (long key : old) {
      if (key != 0) {
        add(key);
      }
    }
  }

  private static int index(long key, int mask) {
    long h = key * 0x9E37_79B9_7F4A_7C15L;
    return (int) (h >>> 32) & mask;
  }

  @Override
  public String toString() {
    long[] keys = new long[size];
    int n = 0;
    for (long key : table) {
      if (key != 0) {
        keys[n++] = key;
      }
    }
    return Arrays.toString(keys);
  }
}
