package dev.omega.mem.api.gc;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The SHA-256 of a heap's reachable state ({@link ManagedHeap#digest()}).
 *
 * @param objects reachable objects hashed
 */
public record StateDigest(byte[] sha256, long objects) {

  public StateDigest {
    Objects.requireNonNull(sha256, "sha256 is null");
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a SHA-256 has 32 bytes, got " + sha256.length);
    }
    sha256 = sha256.clone();
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** The digest in lower-case hex, 64 characters. */
  public String hex() {
    return HexFormat.of().formatHex(sha256);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateDigest d && d.objects == objects && Arrays.equals(d.sha256, sha256);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sha256);
  }

  @Override
  public String toString() {
    return hex();
  }
}
