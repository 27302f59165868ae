package dev.omega.mem.gc;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * One thread's record of what its open transaction changed, so that a rollback can put it back.
 *
 * <p>Design note. Terms: an <em>entry</em> is one change with what it overwrote: a reference slot
 * and its old id, a payload value of 1, 4 or 8 bytes and its old value, a payload range and its old
 * bytes (kept in {@link #bytes}), or a global root added or removed (with the removed root's serial
 * number, so it goes back in its place). A <em>frame</em> is a nested transaction: it remembers
 * where the entries, bytes and kept ids stood when it began, so a rollback of it undoes only what
 * came after, and a commit of it simply leaves its entries to the frame around it. <em>Kept</em>
 * ids are objects a rollback may need again (a slot's old target, a removed root): they are roots
 * until the outermost frame ends ({@link RootSet#forEach} visits them), so no collection inside the
 * transaction frees what a rollback would point back at.
 *
 * <p>Layout: parallel arrays of entries (kind, object, argument, old value), grown by doubling; old
 * payload ranges in one byte array; kept ids in a long array. Recording is O(1) amortised and
 * allocates only when an array grows; a rollback is O(entries of the frame).
 *
 * <p>Thread safety: written by its thread only, with the thread running; read by a pause's root
 * walk ({@link #forEachKept}) while the thread is stopped.
 */
final class UndoLog {
  static final byte REFERENCE = 0;
  static final byte VALUE = 1;
  static final byte RANGE = 2;
  static final byte ROOT_ADDED = 3;
  static final byte ROOT_REMOVED = 4;

  byte[] kinds = new byte[64];
  long[] objects = new long[64];
  long[] args = new long[64];
  long[] olds = new long[64];
  int top;

  byte[] bytes = new byte[0];
  int bytesTop;

  long[] kept = new long[16];
  int keptTop;

  private int[] frameEntries = new int[8];
  private int[] frameBytes = new int[8];
  private int[] frameKept = new int[8];
  private long[] frameAllocations = new long[8];
  int frames;

  /** Begins a frame; returns its depth (1 for the outermost). */
  int push() {
    if (frames == frameEntries.length) {
      int n = frames * 2;
      frameEntries = Arrays.copyOf(frameEntries, n);
      frameBytes = Arrays.copyOf(frameBytes, n);
      frameKept = Arrays.copyOf(frameKept, n);
      frameAllocations = Arrays.copyOf(frameAllocations, n);
    }
    frameEntries[frames] = top;
    frameBytes[frames] = bytesTop;
    frameKept[frames] = keptTop;
    frameAllocations[frames] = 0;
    return ++frames;
  }

  /** Where the innermost frame's entries begin. */
  int entriesFrom() {
    return frameEntries[frames - 1];
  }

  /** Where the innermost frame's kept ids begin. */
  int keptFrom() {
    return frameKept[frames - 1];
  }

  /** Objects the innermost frame allocated (its committed inner frames' included). */
  long allocations() {
    return frameAllocations[frames - 1];
  }

  /** Ends the innermost frame, its entries handed to the one around it. */
  void commitFrame() {
    frames--;
    if (frames > 0) {
      frameAllocations[frames - 1] += frameAllocations[frames];
    }
  }

  /** Ends the innermost frame after its entries were undone: they and its bytes and ids go. */
  void dropFrame() {
    frames--;
    top = frameEntries[frames];
    bytesTop = frameBytes[frames];
    keptTop = frameKept[frames];
  }

  void allocated() {
    frameAllocations[frames - 1]++;
  }

  void reference(long object, int slot, long oldTarget) {
    add(REFERENCE, object, slot, oldTarget);
  }

  /** A payload write of {@code width} bytes at {@code offset} over {@code old}. */
  void value(long object, long offset, int width, long old) {
    add(VALUE, object, offset << 8 | width, old);
  }

  /** A payload range write at {@code offset}; returns where its {@code length} old bytes go. */
  int range(long object, long offset, int length) {
    if (bytes.length - bytesTop < length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytesTop + length, bytes.length * 2));
    }
    int at = bytesTop;
    bytesTop += length;
    add(RANGE, object, offset, (long) at << 32 | length);
    return at;
  }

  void rootAdded(long object) {
    add(ROOT_ADDED, object, 0, 0);
  }

  void rootRemoved(long object, long serial) {
    add(ROOT_REMOVED, object, serial, 0);
  }

  void keep(long id) {
    if (keptTop == kept.length) {
      kept = Arrays.copyOf(kept, keptTop * 2);
    }
    kept[keptTop++] = id;
  }

  void forEachKept(LongConsumer visitor) {
    for (int i = 0; i < keptTop; i++) {
      visitor.accept(kept[i]);
    }
  }

  private void add(byte kind, long object, long arg, long old) {
    if (top == kinds.length) {
      int n = top * 2;
      kinds = Arrays.copyOf(kinds, n);
      objects = Arrays.copyOf(objects, n);
      args = Arrays.copyOf(args, n);
      olds = Arrays.copyOf(olds, n);
    }
    kinds[top] = kind;
    objects[top] = object;
    args[top] = arg;
    olds[top] = old;
    top++;
  }
}
