package dev.omega.mem.gc;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.UseAfterFreeException;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The managed heap's object table: one header record per table slot, the free slots, and the ids
 * that name objects.
 *
 * <p>Design note. Terms: an object's <em>id</em> is {@code tag << 52 | slotGeneration << 28 | (slot
 * + 1)}: the heap's tag (1..4094, or 4095 for every deterministic heap, so an id of another heap is
 * refused), the table slot's generation (24 bits) and the slot; 0 is null. Layout:
 *
 * <pre>
 *   object table (header)   int[8] per slot: slot generation | shape (reference slots,
 *                           generation, extras) | data bytes | mark | count | root holds |
 *                           cell address (in the {@link CellSpace}; -1 when the slot is free)
 * </pre>
 *
 * <p>The header lives in a side table indexed by slot rather than inline in pool memory, so the
 * payload handed to programs cannot reach it, and a collector reads it without the checked pool
 * access. It is one record per slot, not one array per field: every path touches several fields of
 * the same object. A slot's generation moves on when its object is freed, which makes every old
 * handle and id stale. Generations never wrap: generation {@link #RETIRED} (the last value) is
 * never handed out; a slot that reaches it is kept out of the free list for good, so no id can
 * match it again. Per-object cost: 16 bytes counted as header.
 *
 * <p>Complexity: validating an id, reading a field and taking a slot from a magazine are O(1);
 * growing the table copies it (doubling, so O(1) amortized per slot).
 *
 * <p>Thread safety: {@link #header} is read without a lock and replaced (grown) only in a pause;
 * readers that still hold the old copy find its generations poisoned. Free slots are pushed in
 * pauses and taken in batches under {@link #lock}. Fields of a record are written by pauses, by the
 * thread that allocated the object (before it publishes the id), by barriers (marks) and under the
 * root or finalization locks (root holds, extras); see the heap's note.
 */
final class ObjectTable {
  /** Bytes counted per object for its header record. */
  static final int HEADER_BYTES = 16;

  static final int SLOT_BITS = 28;
  private static final long SLOT_MASK = (1L << SLOT_BITS) - 1;
  private static final int ID_GEN_MASK = (1 << 24) - 1;
  private static final int TAG_SHIFT = 52;
  private static final AtomicInteger TAGS = new AtomicInteger();

  /** Table slots a thread takes at once into its slot magazine. */
  private static final int SLOT_BATCH = 256;

  /** Ints per slot in {@link #header}: 32 bytes. */
  static final int W = 8;

  /** The slot's generation: advanced when its object is freed, so old ids and handles go stale. */
  static final int SLOT_GEN = 0;

  /**
   * The slot generation of a retired slot, never given to an object: a slot that reaches it is
   * never reused, so generations do not wrap back to those of ids still held (see the class note).
   */
  static final int RETIRED = ID_GEN_MASK;

  /**
   * Reference slots (bits 0-16, up to {@link OffHeapManagedHeap#MAX_SLOTS}), the object's
   * generation (bits 17-20) and its extras (bits 24-31): bit 0 has cleanup callbacks, bit 1 has
   * weak references (so frees skip the maps), bit 2 is being freed by {@link
   * GenerationSpace#freeAll}.
   */
  static final int SHAPE = 1;

  static final int DATA = 2;
  static final int MARK = 3;

  /** The reference count a collector keeps (the heap only zeroes it). */
  static final int COUNT = 4;

  /** Root holds: global roots and scopes holding the object. */
  static final int HOLDS = 5;

  /** The cell's address in the {@link CellSpace} (high and low half); -1 when the slot is free. */
  static final int CELL_HI = 6;

  static final int CELL_LO = 7;

  static final int REFS_MASK = (1 << 17) - 1;
  static final int GEN_SHIFT = 17;
  static final int GEN_MASK = 0xF;
  private static final int EXTRAS_SHIFT = 24;

  static final byte HAS_CALLBACKS = 1;
  static final byte HAS_WEAK_REFS = 2;

  /** Listed in a {@link GenerationSpace#freeAll} under way. */
  static final byte DYING = 4;

  /** The most slots the table can have: its records must fit one Java array, its ids 28 bits. */
  static final int MAX_TABLE_SLOTS = Integer.MAX_VALUE / W;

  /**
   * This heap's tag, in place: the bits every id it issues starts with. A deterministic heap's is
   * always {@link #DETERMINISTIC_TAG}, since its ids must not depend on how many heaps the JVM
   * built before it.
   */
  final long tagBits;

  /** The tag of every deterministic heap. */
  static final int DETERMINISTIC_TAG = 4095;

  ObjectTable(boolean deterministic) {
    this.tagBits =
        (long) (deterministic ? DETERMINISTIC_TAG : TAGS.getAndIncrement() % 4094 + 1) << TAG_SHIFT;
  }

  /**
   * The table: {@link #W} ints per slot, one record per object, so that allocating, marking and
   * sweeping an object touch one or two cache lines rather than one per field. Fields, by offset:
   * {@link #SLOT_GEN}, {@link #SHAPE}, {@link #DATA}, {@link #MARK}, {@link #COUNT}, {@link
   * #HOLDS}, {@link #CELL_HI} and {@link #CELL_LO}. Replaced (grown) only in a pause; read without
   * a lock (see the class note).
   */
  volatile int[] header = new int[1024 * W];

  /** Slots ever handed out: every slot at or above it is unused. */
  int highWater;

  /** Free table slots not in any magazine; pushed in pauses, taken under {@link #lock}. */
  private int[] freeSlots = new int[1024];

  private int freeTop;

  private final Object lock = new Object();

  // ------------------------------------------------------------------ ids

  static int slotOf(long id) {
    return (int) (id & SLOT_MASK) - 1;
  }

  static int generationOfId(long id) {
    return (int) (id >>> SLOT_BITS) & ID_GEN_MASK;
  }

  long idOf(int slot) {
    return tagBits | (long) header[slot * W + SLOT_GEN] << SLOT_BITS | (slot + 1);
  }

  /**
   * Whether {@code id} names a live object of this heap: the tag, then one record read (the slot's
   * generation and its cell). Freeing a slot advances its generation, and an id with the new
   * generation is minted only when the slot is handed out again.
   */
  boolean isLive(long id) {
    int slot = slotOf(id);
    if ((id & ~((1L << TAG_SHIFT) - 1)) != tagBits || slot < 0 || slot >= highWater) {
      return false;
    }
    int[] h = header;
    int at = slot * W;
    if (at + W <= h.length && h[at + SLOT_GEN] == generationOfId(id) && h[at + CELL_HI] >= 0) {
      return true;
    }
    return grewSince(h) && isLive(id);
  }

  /**
   * Whether the table was replaced since {@code h} was read from {@link #header}: a replaced copy
   * has its generations poisoned (or lacks the slots added since), so a lookup that failed in it
   * says nothing about the id and must look again in the new one. The fence keeps this read of the
   * field after the reads of the copy.
   */
  private boolean grewSince(int[] h) {
    VarHandle.loadLoadFence();
    return h != header;
  }

  /** Slot of a live id given by a collector; a dead one is a collector bug. */
  int liveSlot(long id) {
    if (!isLive(id)) {
      throw new IllegalStateException(
          "object id " + Long.toHexString(id) + " is not live on this heap");
    }
    return slotOf(id);
  }

  /**
   * Slot of an id given by a program: a null id, one this heap never issued, and a stale one each
   * get their own exception.
   */
  int checkedSlot(long id) {
    int s = slotOf(id);
    if ((id & ~((1L << TAG_SHIFT) - 1)) == tagBits && s >= 0 && s < highWater) {
      int[] h = header;
      int at = s * W;
      if (at + W <= h.length && h[at + SLOT_GEN] == generationOfId(id) && h[at + CELL_HI] >= 0) {
        return s;
      }
      return grewSince(h) ? checkedSlot(id) : staleOrForeign(id, s, h);
    }
    if (id == 0) {
      throw new NullPointerException("object id is null (0)");
    }
    throw new AccessViolationException(
        "object id " + Long.toHexString(id) + " was not issued by this heap");
  }

  /** Throws for an id that slot {@code s} of the current table {@code h} does not hold. */
  private int staleOrForeign(long id, int s, int[] h) {
    int current = h[s * W + SLOT_GEN];
    int generation = generationOfId(id);
    if (Integer.compareUnsigned(generation, current) < 0) {
      throw new UseAfterFreeException("heap object was used after it was collected");
    }
    throw new AccessViolationException(
        "object id " + Long.toHexString(id) + " was not issued by this heap");
  }

  /**
   * The header field {@code field} of the live object {@code id}, read without a lock: validated,
   * read, and validated again, so a pause that freed the object and an allocation that reused its
   * slot in between cannot hand back the next object's field.
   */
  int fieldOf(long id, int field) {
    while (true) {
      int[] h = header;
      int s = checkedSlot(id);
      if (s * W + W > h.length) {
        continue;
      }
      int value = h[s * W + field];
      if (stillHolds(h, s, id)) {
        return value;
      }
    }
  }

  /**
   * Whether slot {@code s} still holds the object of {@code id} after a read without a lock: the
   * fence keeps the read before this check, and a grown table's old copy was poisoned.
   */
  boolean stillHolds(int[] h, int s, long id) {
    VarHandle.loadLoadFence();
    return h == header && h[s * W + SLOT_GEN] == generationOfId(id);
  }

  // ------------------------------------------------------------------ fields of a record

  int refSlotsAt(int s) {
    return header[s * W + SHAPE] & REFS_MASK;
  }

  int dataAt(int s) {
    return header[s * W + DATA];
  }

  /** The bytes the object in {@code s} is counted for, header included. */
  long sizeAt(int s) {
    return (long) refSlotsAt(s) * 8 + header[s * W + DATA] + HEADER_BYTES;
  }

  int generationAt(int s) {
    return (header[s * W + SHAPE] >>> GEN_SHIFT) & GEN_MASK;
  }

  void setGenerationAt(int s, int gen) {
    int at = s * W + SHAPE;
    header[at] = (header[at] & ~(GEN_MASK << GEN_SHIFT)) | gen << GEN_SHIFT;
  }

  int extrasAt(int s) {
    return header[s * W + SHAPE] >>> EXTRAS_SHIFT;
  }

  void setExtrasAt(int s, int extras) {
    int at = s * W + SHAPE;
    header[at] = (header[at] & ((1 << EXTRAS_SHIFT) - 1)) | extras << EXTRAS_SHIFT;
  }

  int markAt(int s) {
    return header[s * W + MARK];
  }

  void setMarkAt(int s, int mark) {
    header[s * W + MARK] = mark;
  }

  int countAt(int s) {
    return header[s * W + COUNT];
  }

  void setCountAt(int s, int count) {
    header[s * W + COUNT] = count;
  }

  int addToCountAt(int s, int delta) {
    return header[s * W + COUNT] += delta;
  }

  int holdsAt(int s) {
    return header[s * W + HOLDS];
  }

  void addToHoldsAt(int s, int delta) {
    header[s * W + HOLDS] += delta;
  }

  void setHoldsAt(int s, int holds) {
    header[s * W + HOLDS] = holds;
  }

  long cellAt(int s) {
    return cellIn(header, s * W);
  }

  static long cellIn(int[] h, int at) {
    return ((long) h[at + CELL_HI] << 32) | (h[at + CELL_LO] & 0xFFFF_FFFFL);
  }

  /** Slots the table has room for. */
  int capacity() {
    return header.length / W;
  }

  // ------------------------------------------------------------------ free slots

  /**
   * Fills {@code m}'s empty slot magazine from the free slots and then from unused ones, and takes
   * one from it; -1 if the table is full (the caller grows it in a pause and asks again).
   */
  int refill(Mutator m) {
    synchronized (lock) {
      if (m.slots.length == 0) {
        m.slots = new int[SLOT_BATCH];
      }
      int n = 0;
      while (n < SLOT_BATCH && freeTop > 0) {
        m.slots[n++] = freeSlots[--freeTop];
      }
      while (n < SLOT_BATCH && highWater < capacity()) {
        header[highWater * W + CELL_HI] = -1; // free until allocated: no pass may see it live
        m.slots[n++] = highWater++;
      }
      if (n == 0) {
        return -1;
      }
      // Taken first, used first: the free list's top (the slot freed last) and low slots.
      for (int i = 0, j = n - 1; i < j; i++, j--) {
        int t = m.slots[i];
        m.slots[i] = m.slots[j];
        m.slots[j] = t;
      }
      m.slotTop = n - 1;
      return m.slots[n - 1];
    }
  }

  /** Whether no slot is free or unused (in a pause). */
  boolean full() {
    return freeTop == 0 && highWater >= capacity();
  }

  /**
   * Grows the table, in a pause: readers that hold the old copy without a lock find its generations
   * poisoned ({@link #RETIRED}) and read again from the new one. Returns the new capacity.
   */
  int grow() {
    int n = grownTableCapacity(capacity());
    int[] old = header;
    header = Arrays.copyOf(old, n * W);
    for (int at = 0; at < old.length; at += W) {
      old[at + SLOT_GEN] = RETIRED;
    }
    freeSlots = Arrays.copyOf(freeSlots, n);
    return n;
  }

  /**
   * The table's next size after {@code slots} slots: double, up to {@link #MAX_TABLE_SLOTS}; when
   * it is there, allocation is refused (before any state changes) rather than overflowing the size.
   */
  static int grownTableCapacity(int slots) {
    if (slots >= MAX_TABLE_SLOTS) {
      throw new OutOfMemoryException(
          "the managed heap's object table is full: at most "
              + MAX_TABLE_SLOTS
              + " objects can be live at once",
          HEADER_BYTES,
          Priority.NORMAL,
          0,
          0,
          0);
    }
    return (int) Math.min((long) slots * 2, MAX_TABLE_SLOTS);
  }

  /**
   * Frees slot {@code s} (in a pause): no cell, the next generation, and back on the free list
   * unless that generation is {@link #RETIRED}.
   */
  void release(int s) {
    header[s * W + CELL_HI] = -1;
    header[s * W + CELL_LO] = -1;
    if (++header[s * W + SLOT_GEN] != RETIRED) {
      freeSlots[freeTop++] = s;
    }
  }

  /** Gives back the slots in {@code m}'s magazine (in a pause). */
  void returnSlots(Mutator m) {
    while (m.slotTop > 0) {
      freeSlots[freeTop++] = m.slots[--m.slotTop];
    }
  }

  /**
   * For tests: gives the free slot {@code slot}, out of every magazine, the slot generation {@code
   * generation} and puts it on top of the free list (in a pause).
   */
  void setFreeSlotGeneration(int slot, int generation) {
    header[slot * W + SLOT_GEN] = generation;
    for (int at = 0; at < freeTop; at++) {
      if (freeSlots[at] == slot) {
        freeSlots[at] = freeSlots[freeTop - 1];
        freeSlots[freeTop - 1] = slot;
        break;
      }
    }
  }
}
