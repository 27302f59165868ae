package dev.omega.mem.gc;

import java.util.Arrays;

/**
 * A fixed number of doubly linked lists over int indices (table slots, chunk numbers), each index
 * in at most one list: the heap's generation lists and the cell space's lists of chunks with room.
 *
 * <p>Design note. Layout: {@code next[i]}/{@code prev[i]} link index {@code i}, -1 ends a list; per
 * list a head, a tail and a count. Link (at the head) and unlink are O(1) and allocate nothing; the
 * link arrays grow with {@link #ensureCapacity}. Walking from the tail towards the head visits the
 * oldest links first, which a lazy sweep uses to leave later links alone.
 *
 * <p>Thread safety: not thread-safe; confined to its owner's lock.
 */
final class IndexLists {
  private final int[] head;
  private final int[] tail;
  private final long[] count;
  private int[] next;
  private int[] prev;

  IndexLists(int lists, int initialCapacity) {
    head = new int[lists];
    tail = new int[lists];
    count = new long[lists];
    Arrays.fill(head, -1);
    Arrays.fill(tail, -1);
    next = new int[initialCapacity];
    prev = new int[initialCapacity];
  }

  void ensureCapacity(int indices) {
    if (indices > next.length) {
      int n = Math.max(indices, next.length * 2);
      next = Arrays.copyOf(next, n);
      prev = Arrays.copyOf(prev, n);
    }
  }

  /** Links {@code i} at the head of {@code list}. */
  void link(int list, int i) {
    spliceAtHead(list, i, i, 1);
  }

  /** Unlinks {@code i} from {@code list}, which must hold it. */
  void unlink(int list, int i) {
    if (prev[i] >= 0) {
      next[prev[i]] = next[i];
    } else {
      head[list] = next[i];
    }
    if (next[i] >= 0) {
      prev[next[i]] = prev[i];
    } else {
      tail[list] = prev[i];
    }
    count[list]--;
  }

  /**
   * Empties {@code list} in O(1) and returns its old head. The indices keep their {@code next}
   * links, so the caller can still walk them, reading each one's next before linking it elsewhere.
   */
  int detach(int list) {
    int first = head[list];
    head[list] = -1;
    tail[list] = -1;
    count[list] = 0;
    return first;
  }

  /** Makes {@code b} follow {@code a}, for a caller rebuilding a detached chain. */
  void join(int a, int b) {
    next[a] = b;
    prev[b] = a;
  }

  /**
   * Puts the chain {@code first..last} of {@code n} indices (joined by next/prev) at the head of
   * {@code list} in O(1).
   */
  void spliceAtHead(int list, int first, int last, long n) {
    prev[first] = -1;
    next[last] = head[list];
    if (head[list] >= 0) {
      prev[head[list]] = last;
    } else {
      tail[list] = last;
    }
    head[list] = first;
    count[list] += n;
  }

  int head(int list) {
    return head[list];
  }

  int tail(int list) {
    return tail[list];
  }

  long count(int list) {
    return count[list];
  }

  /** The index after {@code i} towards the tail, or -1. */
  int next(int i) {
    return next[i];
  }

  /** The index before {@code i} towards the head, or -1. */
  int prev(int i) {
    return prev[i];
  }
}
