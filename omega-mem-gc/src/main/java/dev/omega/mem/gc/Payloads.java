package dev.omega.mem.gc;

import static dev.omega.mem.gc.ObjectTable.DATA;
import static dev.omega.mem.gc.ObjectTable.REFS_MASK;
import static dev.omega.mem.gc.ObjectTable.SHAPE;
import static dev.omega.mem.gc.ObjectTable.W;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.spi.GasMeters;
import java.util.Objects;

/**
 * Reads and writes of object payloads, through ids ({@link IdRefs}) and through payload blocks
 * ({@link PayloadBlock}).
 *
 * <p>Design note. A read takes no lock: it reads the slot's generation, the payload, and the
 * generation again, as {@link OffHeapManagedHeap#getId} does for references. A write runs with the
 * thread <em>running</em> (so no pause frees the object under it), is charged to the thread's gas
 * meters and recorded in its open transaction's {@link UndoLog} before it changes a byte, in that
 * order, so a refused write changes nothing and a rolled-back one puts back what it overwrote.
 *
 * <p>Thread safety: as the heap's.
 */
final class Payloads {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final CellSpace cells;
  private final Safepoints safepoints;
  private final GasMeters meters;

  Payloads(
      OffHeapManagedHeap heap,
      ObjectTable table,
      CellSpace cells,
      Safepoints safepoints,
      GasMeters meters) {
    this.heap = heap;
    this.table = table;
    this.cells = cells;
    this.safepoints = safepoints;
    this.meters = meters;
  }

  /** Where payload byte {@code offset} is in the cell, for an access of {@code length} bytes. */
  private static long payloadAt(int[] h, int s, long offset, int length) {
    int at = s * W;
    Objects.checkFromIndexSize(offset, length, h[at + DATA]);
    return (long) (h[at + SHAPE] & REFS_MASK) * 8 + offset;
  }

  /**
   * Reads a payload value of {@code length} bytes without a lock (see {@link
   * OffHeapManagedHeap#getId}).
   */
  long readPayload(long object, long offset, int length) {
    while (true) {
      int[] h = table.header;
      int s = table.checkedSlot(object);
      if (s * W + W > h.length) {
        continue;
      }
      long at;
      try {
        at = payloadAt(h, s, offset, length);
      } catch (IndexOutOfBoundsException e) {
        if (table.stillHolds(h, s, object)) {
          throw e; // the object's own size: a bad offset
        }
        continue; // freed meanwhile: the next round throws use-after-free
      }
      long value = cells.readLongRacing(ObjectTable.cellIn(h, s * W), at, length);
      if (table.stillHolds(h, s, object)) {
        return value;
      }
    }
  }

  /** Writes a payload value with this thread running, so no pause frees the object meanwhile. */
  void writePayload(long object, long offset, int length, long value) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      heap.checkOpen();
      int s = table.checkedSlot(object);
      long at = payloadAt(table.header, s, offset, length);
      if (meters.active()) {
        meters.chargePayloadWrite(length, "a payload write");
      }
      long address = table.cellAt(s);
      if (m.undo != null) {
        m.undo.value(object, offset, length, cells.readLongRacing(address, at, length));
      }
      switch (length) {
        case 1 -> cells.setByte(address, at, (byte) value);
        case 4 -> cells.setInt(address, at, (int) value);
        default -> cells.setLong(address, at, value);
      }
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /**
   * Runs {@code access} on the payload block with this thread running (for {@link PayloadBlock}).
   */
  <T> T withPayload(HeapRef ref, Access<T> access) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      int s = heap.slotOf(ref);
      long address = table.cellAt(s);
      return access.apply(
          cells.blockOf(address),
          CellSpace.offsetOf(address) + (long) table.refSlotsAt(s) * 8,
          table.dataAt(s));
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /**
   * Runs {@code access}, a write of {@code length} payload bytes at {@code offset}, with this
   * thread running: charged to a meter and recorded for a transaction first, as {@link
   * #writePayload} is.
   */
  <T> T withPayloadWrite(HeapRef ref, long offset, long length, Access<T> access) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      heap.checkOpen();
      int s = heap.slotOf(ref);
      long address = table.cellAt(s);
      MemoryBlock storage = cells.blockOf(address);
      long base = CellSpace.offsetOf(address) + (long) table.refSlotsAt(s) * 8;
      if (meters.active()) {
        meters.chargePayloadWrite(length, "a payload write");
      }
      if (m.undo != null && length > 0) {
        int at = m.undo.range(ref.id, offset, Math.toIntExact(length));
        storage.copyTo(base + offset, m.undo.bytes, at, (int) length);
      }
      return access.apply(storage, base, table.dataAt(s));
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** An access to a payload: its storage block, the payload's offset in it and its size. */
  interface Access<T> {
    T apply(MemoryBlock storage, long base, long size);
  }
}
