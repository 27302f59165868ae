package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import java.util.Objects;

/**
 * The payload of a heap object as a {@link MemoryBlock}: the object's storage minus its reference
 * slots, so payload writes can never forge references. Every access runs with its thread running on
 * the heap ({@link Payloads#withPayload}): it checks that the object is live, and no pause can free
 * the object and let its cell be reused while the access is under way.
 */
final class PayloadBlock implements MemoryBlock {
  private final HeapRef owner;
  private final long size;

  PayloadBlock(HeapRef owner, long size) {
    this.owner = owner;
    this.size = size;
  }

  private <T> T access(long offset, long length, Payloads.Access<T> work) {
    Objects.checkFromIndexSize(offset, length, size);
    return owner.heap.payloads().withPayload(owner, work);
  }

  /** A write: metered and recorded for an open transaction ({@link Payloads}). */
  private <T> T write(long offset, long length, Payloads.Access<T> work) {
    Objects.checkFromIndexSize(offset, length, size);
    return owner.heap.payloads().withPayloadWrite(owner, offset, length, work);
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
    return access(offset, 1, (s, base, n) -> s.getByte(base + offset));
  }

  @Override
  public void setByte(long offset, byte value) {
    write(
        offset,
        1,
        (s, base, n) -> {
          s.setByte(base + offset, value);
          return null;
        });
  }

  @Override
  public int getInt(long offset) {
    return access(offset, 4, (s, base, n) -> s.getInt(base + offset));
  }

  @Override
  public void setInt(long offset, int value) {
    write(
        offset,
        4,
        (s, base, n) -> {
          s.setInt(base + offset, value);
          return null;
        });
  }

  @Override
  public long getLong(long offset) {
    return access(offset, 8, (s, base, n) -> s.getLong(base + offset));
  }

  @Override
  public void setLong(long offset, long value) {
    write(
        offset,
        8,
        (s, base, n) -> {
          s.setLong(base + offset, value);
          return null;
        });
  }

  @Override
  public void copyFrom(byte[] source, int sourceIndex, long offset, int length) {
    write(
        offset,
        length,
        (s, base, n) -> {
          s.copyFrom(source, sourceIndex, base + offset, length);
          return null;
        });
  }

  @Override
  public void copyTo(long offset, byte[] target, int targetIndex, int length) {
    access(
        offset,
        length,
        (s, base, n) -> {
          s.copyTo(base + offset, target, targetIndex, length);
          return null;
        });
  }

  @Override
  public void copyTo(long offset, MemoryBlock target, long targetOffset, long length) {
    if (target instanceof PayloadBlock other) {
      Objects.checkFromIndexSize(targetOffset, length, other.size);
      access(
          offset,
          length,
          (s, base, n) ->
              other.write(
                  targetOffset,
                  length,
                  (t, targetBase, m) -> {
                    s.copyTo(base + offset, t, targetBase + targetOffset, length);
                    return null;
                  }));
    } else {
      access(
          offset,
          length,
          (s, base, n) -> {
            s.copyTo(base + offset, target, targetOffset, length);
            return null;
          });
    }
  }

  @Override
  public void fill(byte value) {
    fill(0, size, value);
  }

  @Override
  public void fill(long offset, long length, byte value) {
    write(
        offset,
        length,
        (s, base, n) -> {
          s.fill(base + offset, length, value);
          return null;
        });
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
