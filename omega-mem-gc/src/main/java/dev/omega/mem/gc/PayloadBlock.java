package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.Objects;

/**
 * The payload of a heap object as a {@link MemoryBlock}: the object's storage minus its reference
 * slots, so payload writes can never forge references. Every access first checks that the object is
 * still live, then delegates to the storage block (which checks bounds again, cheaply).
 */
final class PayloadBlock implements MemoryBlock {
  private final HeapRef owner;
  private final MemoryBlock storage;
  private final long base;
  private final long size;

  PayloadBlock(HeapRef owner, MemoryBlock storage, long base, long size) {
    this.owner = owner;
    this.storage = storage;
    this.base = base;
    this.size = size;
  }

  private long at(long offset, long length) {
    if (!owner.isLive()) {
      throw new UseAfterFreeException("payload of a collected heap object was used");
    }
    Objects.checkFromIndexSize(offset, length, size);
    return base + offset;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public boolean isValid() {
    return owner.isLive();
  }

  @Override
  public byte getByte(long offset) {
    return storage.getByte(at(offset, 1));
  }

  @Override
  public void setByte(long offset, byte value) {
    storage.setByte(at(offset, 1), value);
  }

  @Override
  public int getInt(long offset) {
    return storage.getInt(at(offset, 4));
  }

  @Override
  public void setInt(long offset, int value) {
    storage.setInt(at(offset, 4), value);
  }

  @Override
  public long getLong(long offset) {
    return storage.getLong(at(offset, 8));
  }

  @Override
  public void setLong(long offset, long value) {
    storage.setLong(at(offset, 8), value);
  }

  @Override
  public void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
    storage.copyFrom(source, sourceIndex, at(offset, length), length);
  }

  @Override
  public void copyTo(long offset, byte[] target, int targetIndex, int length) {
    storage.copyTo(at(offset, length), target, targetIndex, length);
  }

  @Override
  public void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
    long from = at(offset, length);
    if (target instanceof PayloadBlock other) {
      storage.copyTo(from, other.storage, other.at(targetOffset, length), length);
    } else {
      storage.copyTo(from, target, targetOffset, length);
    }
  }

  @Override
  public void fill(byte value) {
    fill(0, size, value);
  }

  @Override
  public void fill(long offset, long length, byte value) {
    storage.fill(at(offset, length), length, value);
  }

  @Override
  public void seal() {
    throw new UnsupportedOperationException("heap object payloads cannot be sealed");
  }

  @Override
  public boolean isSealed() {
    return false;
  }
}
