package dev.omega.mem.gc;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import java.util.Objects;

/**
 * {@link HeapRefs} over an {@link OffHeapManagedHeap}: every call goes to the id-based paths of the
 * heap, its {@link ObjectTable} and its {@link RootSet}, so the handle-free API and {@link
 * HeapObject} handles share one implementation.
 *
 * <p>Thread safety: as the heap's.
 */
final class IdRefs implements HeapRefs {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final RootSet roots;

  IdRefs(OffHeapManagedHeap heap, ObjectTable table, RootSet roots) {
    this.heap = heap;
    this.table = table;
    this.roots = roots;
  }

  @Override
  public long allocate(int referenceSlots, int dataBytes) {
    return heap.allocateId(referenceSlots, dataBytes);
  }

  @Override
  public long get(long object, int slot) {
    return heap.getId(object, slot);
  }

  @Override
  public void set(long object, int slot, long target) {
    heap.setId(object, slot, target);
  }

  @Override
  public int referenceSlots(long object) {
    return table.fieldOf(object, ObjectTable.SHAPE) & ObjectTable.REFS_MASK;
  }

  @Override
  public int dataBytes(long object) {
    return table.fieldOf(object, ObjectTable.DATA);
  }

  @Override
  public long getLong(long object, int offset) {
    return heap.payloads().readPayload(object, offset, 8);
  }

  @Override
  public void setLong(long object, int offset, long value) {
    heap.payloads().writePayload(object, offset, 8, value);
  }

  @Override
  public int getInt(long object, int offset) {
    return (int) heap.payloads().readPayload(object, offset, 4);
  }

  @Override
  public void setInt(long object, int offset, int value) {
    heap.payloads().writePayload(object, offset, 4, value);
  }

  @Override
  public byte getByte(long object, int offset) {
    return (byte) heap.payloads().readPayload(object, offset, 1);
  }

  @Override
  public void setByte(long object, int offset, byte value) {
    heap.payloads().writePayload(object, offset, 1, value);
  }

  @Override
  public boolean isLive(long object) {
    return table.isLive(object);
  }

  @Override
  public void addRoot(long object) {
    roots.addGlobal(object);
  }

  @Override
  public boolean removeRoot(long object) {
    return roots.removeGlobal(object);
  }

  @Override
  public long hold(HeapScope scope, long object) {
    Objects.requireNonNull(scope, "scope is null");
    if (!(scope instanceof Scope own) || own.heap != heap) {
      throw new AccessViolationException("scope does not belong to this heap: " + scope);
    }
    if (own.closed) {
      throw new IllegalStateException("scope is closed");
    }
    roots.hold(own.mutator, own.depth, own.scopeSerial, object);
    return object;
  }

  @Override
  public int enterScope() {
    return roots.enterScope(heap.safepoints.current());
  }

  @Override
  public void exitScope(int token) {
    Mutator m = heap.safepoints.current();
    if (token < 1 || token > m.depth) {
      throw new IllegalStateException(
          "scope token " + token + " is not open on this thread (open scopes: " + m.depth + ")");
    }
    roots.exitScope(m, token, m.scopeSerials[token - 1]);
  }

  @Override
  public void poll() {
    heap.poll();
  }

  @Override
  public HeapObject handle(long object) {
    table.checkedSlot(object);
    return new HeapRef(heap, object);
  }

  @Override
  public long id(HeapObject object) {
    heap.slotOf(object);
    return ((HeapRef) object).id;
  }
}
