package dev.omega.mem.gc;

import dev.omega.mem.api.SnapshotFormatException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Checks a snapshot read whole ({@link ChunkedBytes}) before anything is allocated from it, and
 * reads it back for the restore once it passed.
 *
 * <p>Design note. The checks run in the order that gives the most useful message: the magic (not a
 * snapshot at all), the version (a format this library does not read), the length and the SHA-256
 * trailer (truncated or corrupt), and then the body's structure ({@link StateEncoder}'s layout) in
 * one pass that keeps no per-object state: every varint minimal and within its bound (slots up to
 * {@link OffHeapManagedHeap#MAX_SLOTS}, payloads up to {@link OffHeapManagedHeap#MAX_DATA} and up
 * to the bytes left, counts up to the bytes left), root i naming object i with at least one hold,
 * and the numbering canonical. That last check needs no queue: a breadth-first walk takes objects
 * in number order and numbers what it meets next in turn, so reading object k in order, k must
 * already be met (else it is unreachable) and a reference to an object not yet met must name the
 * next number exactly. A snapshot that passes restores to a heap whose own snapshot is the same
 * bytes. The structural checks matter only for input crafted to carry a good checksum, since any
 * damage to a written snapshot fails the checksum first.
 *
 * <p>Complexity: O(bytes); memory: nothing beyond the bytes.
 *
 * <p>Thread safety: confined to one thread.
 */
final class SnapshotReader {
  /**
   * The most root holds, over all roots, a snapshot may carry: a restore adds them one by one (each
   * is a collector event), so a crafted count must not cost minutes of CPU.
   */
  static final long MAX_ROOT_HOLDS = 1 << 24;

  private final ChunkedBytes bytes;
  private final long end;
  private long position;
  private int chunkIndex;
  private byte[] chunk;
  private int offset;
  private int chunkLength;

  /** Objects and roots, and where the roots and the objects start: set by {@link #check}. */
  private int objects;

  private int roots;
  private long rootsAt;
  private long objectsAt;

  private SnapshotReader(ChunkedBytes bytes) {
    this.bytes = bytes;
    this.end = bytes.size() - SnapshotFormat.CHECKSUM_BYTES;
  }

  /**
   * Checks {@code bytes} as a whole snapshot.
   *
   * @return a reader positioned for {@link #roots()} and {@link #objects()}
   * @throws SnapshotFormatException naming the first problem found
   */
  static SnapshotReader check(ChunkedBytes bytes) {
    checkHeader(bytes);
    SnapshotReader reader = new SnapshotReader(bytes);
    reader.checkBody();
    return reader;
  }

  private static void checkHeader(ChunkedBytes bytes) {
    long size = bytes.size();
    byte[] head = new byte[SnapshotFormat.HEADER_BYTES];
    int have = (int) Math.min(size, head.length);
    copy(bytes, 0, head, have);
    byte[] magic = SnapshotFormat.MAGIC;
    for (int i = 0; i < Math.min(have, magic.length); i++) {
      if (head[i] != magic[i]) {
        throw new SnapshotFormatException(
            "not a heap snapshot: it starts with "
                + HexFormat.ofDelimiter(" ").formatHex(head, 0, Math.min(have, magic.length))
                + ", a snapshot with "
                + HexFormat.ofDelimiter(" ").formatHex(magic));
      }
    }
    if (have == head.length) {
      int version =
          (head[8] & 0xFF) << 24
              | (head[9] & 0xFF) << 16
              | (head[10] & 0xFF) << 8
              | head[11] & 0xFF;
      if (version != SnapshotFormat.VERSION) {
        throw new SnapshotFormatException(
            "unknown snapshot format version "
                + Integer.toUnsignedString(version)
                + " (this library reads version "
                + SnapshotFormat.VERSION
                + ")");
      }
    }
    if (size < SnapshotFormat.MIN_BYTES) {
      throw new SnapshotFormatException(
          "truncated snapshot: "
              + size
              + " bytes, and even the snapshot of an empty heap has "
              + SnapshotFormat.MIN_BYTES);
    }
    MessageDigest sha = SnapshotFormat.sha256();
    long body = size - SnapshotFormat.CHECKSUM_BYTES;
    for (int i = 0; i < bytes.chunkCount() && bytes.chunkStart(i) < body; i++) {
      sha.update(
          bytes.chunk(i), 0, (int) Math.min(bytes.chunkLength(i), body - bytes.chunkStart(i)));
    }
    byte[] stored = new byte[SnapshotFormat.CHECKSUM_BYTES];
    copy(bytes, body, stored, stored.length);
    if (!MessageDigest.isEqual(sha.digest(), stored)) {
      throw new SnapshotFormatException(
          "snapshot checksum does not match: the snapshot is truncated or corrupt ("
              + size
              + " bytes)");
    }
  }

  /** Copies {@code length} bytes from {@code from} of {@code bytes} into {@code into}. */
  private static void copy(ChunkedBytes bytes, long from, byte[] into, int length) {
    for (int done = 0; done < length; ) {
      long at = from + done;
      int i = bytes.chunkAt(at);
      int in = (int) (at - bytes.chunkStart(i));
      int piece = Math.min(length - done, bytes.chunkLength(i) - in);
      System.arraycopy(bytes.chunk(i), in, into, done, piece);
      done += piece;
    }
  }

  private void checkBody() {
    seek(SnapshotFormat.HEADER_BYTES);
    long totalHolds = 0;
    objects = (int) varint("the object count", Math.min(ObjectTable.MAX_TABLE_SLOTS, left() / 2));
    roots = (int) varint("the root count", objects);
    rootsAt = position;
    for (int i = 0; i < roots; i++) {
      long at = position;
      long number = varint("a root's object number", objects - 1);
      if (number != i) {
        throw corrupt(at, "root " + i + " names object " + number + ", not object " + i);
      }
      totalHolds +=
          varintAtLeastOne("root " + i + "'s hold count", MAX_ROOT_HOLDS - totalHolds + 1);
      if (totalHolds > MAX_ROOT_HOLDS) {
        throw corrupt(
            at,
            "the roots are held "
                + totalHolds
                + " times; a snapshot holds at most "
                + MAX_ROOT_HOLDS);
      }
    }
    objectsAt = position;
    long met = roots;
    for (int k = 0; k < objects; k++) {
      if (k >= met) {
        throw corrupt(position, "object " + k + " is not reachable from the roots before it");
      }
      int slots = (int) varint("object " + k + "'s slot count", OffHeapManagedHeap.MAX_SLOTS);
      long data = varint("object " + k + "'s payload size", OffHeapManagedHeap.MAX_DATA);
      for (int i = 0; i < slots; i++) {
        long at = position;
        long ref = varint("object " + k + "'s slot " + i, objects);
        if (ref > met + 1) {
          throw corrupt(
              at,
              "object "
                  + k
                  + "'s slot "
                  + i
                  + " names object "
                  + (ref - 1)
                  + ", but the next object a breadth-first walk meets is "
                  + met);
        } else if (ref == met + 1) { // the next object met, numbered in turn
          met++;
        }
      }
      if (data > left()) {
        throw corrupt(
            position,
            "object " + k + " has " + data + " payload bytes, and only " + left() + " are left");
      }
      skip(data);
    }
    if (position != end) {
      throw corrupt(position, (end - position) + " bytes follow the last object");
    }
  }

  private long left() {
    return end - position;
  }

  private SnapshotFormatException corrupt(long at, String what) {
    return new SnapshotFormatException("corrupt snapshot at byte " + at + ": " + what);
  }

  private void seek(long to) {
    position = to;
    chunkIndex = to < bytes.size() ? bytes.chunkAt(to) : bytes.chunkCount() - 1;
    chunk = bytes.chunk(chunkIndex);
    chunkLength = bytes.chunkLength(chunkIndex);
    offset = (int) (to - bytes.chunkStart(chunkIndex));
  }

  private void skip(long n) {
    seek(position + n);
  }

  private int next(String what) {
    if (position >= end) {
      throw corrupt(position, "the body ends in " + what);
    }
    if (offset == chunkLength) {
      chunk = bytes.chunk(++chunkIndex);
      chunkLength = bytes.chunkLength(chunkIndex);
      offset = 0;
    }
    position++;
    return chunk[offset++] & 0xFF;
  }

  /** An unsigned LEB128 varint of at most 5 bytes, minimal, and at most {@code max}. */
  private long varint(String what, long max) {
    long at = position;
    long value = 0;
    for (int shift = 0; ; shift += 7) {
      int b = next(what);
      if (shift == 28 && b > 0x0F) {
        throw corrupt(at, what + " does not fit 32 bits");
      }
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          throw corrupt(at, what + " is not minimally encoded");
        }
        break;
      }
    }
    if (value > max) {
      throw corrupt(at, what + " is " + value + ", more than " + max);
    }
    return value;
  }

  private long varintAtLeastOne(String what, long max) {
    long at = position;
    long value = varint(what, max);
    if (value == 0) {
      throw corrupt(at, what + " is 0");
    }
    return value;
  }

  // ------------------------------------------------------------------ reading back, once checked

  int objectCount() {
    return objects;
  }

  int rootCount() {
    return roots;
  }

  /** Moves to the roots: then {@link #rootHolds()} once per root. */
  void roots() {
    seek(rootsAt);
  }

  int rootHolds() {
    varint("", Long.MAX_VALUE);
    return (int) varint("", Long.MAX_VALUE);
  }

  /** Moves to the objects: then per object {@link #readInt()} twice, refs and the payload. */
  void objects() {
    seek(objectsAt);
  }

  /** The next varint (slot count, payload size or a reference). */
  int readInt() {
    return (int) varint("", Long.MAX_VALUE);
  }

  /** Skips {@code n} payload bytes. */
  void skipPayload(long n) {
    skip(n);
  }

  /** Hands the next {@code n} bytes to {@code into} in pieces, each within one chunk. */
  void payload(int n, PayloadPiece into) {
    long done = 0;
    while (done < n) {
      if (offset == chunkLength) {
        chunk = bytes.chunk(++chunkIndex);
        chunkLength = bytes.chunkLength(chunkIndex);
        offset = 0;
      }
      int piece = (int) Math.min(n - done, chunkLength - offset);
      into.accept(chunk, offset, done, piece);
      offset += piece;
      position += piece;
      done += piece;
    }
  }

  /** A piece of a payload: {@code length} bytes of {@code source} from {@code from}. */
  interface PayloadPiece {
    void accept(byte[] source, int from, long payloadOffset, int length);
  }
}
