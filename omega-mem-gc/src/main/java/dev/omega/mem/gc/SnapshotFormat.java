package dev.omega.mem.gc;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The frame of a heap snapshot around the canonical body ({@link StateEncoder}):
 *
 * <pre>
 *   magic     8 bytes   89 4F 4D 48 45 41 50 0A   ("\x89OMHEAP\n": the high byte and the line
 *                                                  end catch a transfer that mangles either)
 *   version   4 bytes   big-endian, {@link #VERSION}
 *   body      the state, as {@link StateEncoder} writes it; its SHA-256 is the heap's digest
 *   checksum  32 bytes  SHA-256 of every byte before it
 * </pre>
 *
 * <p>Thread safety: constants, and a new {@link MessageDigest} per call.
 */
final class SnapshotFormat {
  private SnapshotFormat() {}

  static final byte[] MAGIC = {(byte) 0x89, 'O', 'M', 'H', 'E', 'A', 'P', '\n'};
  static final int VERSION = 1;
  static final int HEADER_BYTES = MAGIC.length + 4;
  static final int CHECKSUM_BYTES = 32;

  /** An empty heap's snapshot: the header, two zero counts and the checksum. */
  static final int MIN_BYTES = HEADER_BYTES + 2 + CHECKSUM_BYTES;

  /** The magic and the version, as a snapshot starts. */
  static byte[] header() {
    byte[] header = new byte[HEADER_BYTES];
    System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
    header[8] = (byte) (VERSION >>> 24);
    header[9] = (byte) (VERSION >>> 16);
    header[10] = (byte) (VERSION >>> 8);
    header[11] = (byte) VERSION;
    return header;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
