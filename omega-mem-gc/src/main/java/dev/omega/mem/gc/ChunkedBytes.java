package dev.omega.mem.gc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A byte sequence kept in chunks: a snapshot gathered in a pause before it is written, and a
 * snapshot read whole before it is checked and restored.
 *
 * <p>Design note. Chunks grow from {@link #FIRST_CHUNK} to {@link #LARGEST_CHUNK} bytes, doubling,
 * and are never copied once written: memory follows the bytes actually there (a stream that claims
 * a billion objects and ends after ten bytes costs one small chunk), growth costs no copy of what
 * is already held (unlike a doubling array, which holds two copies while it grows), and the
 * sequence may be longer than a Java array. Every chunk but the last is full. Layout:
 *
 * <pre>
 *   chunk i   bytes [start(i), start(i) + chunk(i).length) of the sequence; the last is filled
 *             up to size()
 * </pre>
 *
 * <p>Complexity: appending and reading are O(bytes); finding a position's chunk is O(log chunks).
 *
 * <p>Thread safety: confined to one thread.
 */
final class ChunkedBytes {
  static final int FIRST_CHUNK = 8 << 10;
  static final int LARGEST_CHUNK = 1 << 20;

  private byte[][] chunks = new byte[8][];
  private long[] starts = new long[8];
  private int count;
  private long size;

  /** Bytes held. */
  long size() {
    return size;
  }

  int chunkCount() {
    return count;
  }

  byte[] chunk(int i) {
    return chunks[i];
  }

  long chunkStart(int i) {
    return starts[i];
  }

  /** Bytes of chunk {@code i} that hold the sequence. */
  int chunkLength(int i) {
    return (int) Math.min(chunks[i].length, size - starts[i]);
  }

  /** The chunk that holds byte {@code position} ({@code position < size}). */
  int chunkAt(long position) {
    int i = Arrays.binarySearch(starts, 0, count, position);
    return i >= 0 ? i : -i - 2;
  }

  /** A new empty chunk at the end, the size the sequence has reached calls for. */
  private byte[] addChunk() {
    if (count == chunks.length) {
      chunks = Arrays.copyOf(chunks, count * 2);
      starts = Arrays.copyOf(starts, count * 2);
    }
    int length = count == 0 ? FIRST_CHUNK : Math.min(LARGEST_CHUNK, chunks[count - 1].length * 2);
    chunks[count] = new byte[length];
    starts[count] = size;
    return chunks[count++];
  }

  /** Appends {@code length} bytes of {@code bytes} from {@code from}. */
  void append(byte[] bytes, int from, int length) {
    int at = from;
    int left = length;
    while (left > 0) {
      byte[] last;
      int offset;
      if (count == 0 || size == starts[count - 1] + chunks[count - 1].length) {
        last = addChunk();
        offset = 0;
      } else {
        last = chunks[count - 1];
        offset = (int) (size - starts[count - 1]);
      }
      int piece = Math.min(left, last.length - offset);
      System.arraycopy(bytes, at, last, offset, piece);
      size += piece;
      at += piece;
      left -= piece;
    }
  }

  /**
   * Reads {@code in} to its end, refusing at more than {@code limit} bytes.
   *
   * @return the bytes, or null if there were more than {@code limit}
   */
  static ChunkedBytes readAll(InputStream in, long limit) throws IOException {
    ChunkedBytes bytes = new ChunkedBytes();
    while (true) {
      byte[] chunk = bytes.addChunk();
      int read = in.readNBytes(chunk, 0, chunk.length);
      bytes.size += read;
      if (bytes.size > limit) {
        return null;
      }
      if (read < chunk.length) {
        return bytes;
      }
    }
  }

  /**
   * Writes the bytes to {@code out}, each into {@code checksum} too, and lets each chunk go once
   * written, so that the memory the sequence holds shrinks as it is written.
   */
  void drainTo(OutputStream out, MessageDigest checksum) throws IOException {
    for (int i = 0; i < count; i++) {
      int length = chunkLength(i);
      checksum.update(chunks[i], 0, length);
      out.write(chunks[i], 0, length);
      chunks[i] = null;
    }
    count = 0;
    size = 0;
  }
}
