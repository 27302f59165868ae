package dev.omega.mem.pool;

/**
 * The small-object size classes: 16-byte steps to 128, then four classes per doubling (like
 * jemalloc's spacing), so rounding wastes at most 20 % above 128 bytes, up to 16 KiB (as Netty's
 * subpages and jemalloc's small classes reach past one page). Sizes above the largest class get
 * whole page runs.
 *
 * <p>Lookup is one table read: {@code classOf[(size + 15) >> 4]}.
 */
final class SizeClasses {
  private static final int[] ALL = {
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
    1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192, 10240, 12288, 14336,
    16384
  };

  final int[] sizes;
  final int maxSmall;

  /** Class index by 16-byte quantum; the manager keeps its own reference for the hot path. */
  final byte[] classOf;

  /** Classes up to {@code limit} bytes. */
  SizeClasses(int limit) {
    int n = 0;
    while (n < ALL.length && ALL[n] <= limit) {
      n++;
    }
    sizes = java.util.Arrays.copyOf(ALL, n);
    maxSmall = n == 0 ? 0 : sizes[n - 1];
    classOf = new byte[(maxSmall >> 4) + 1];
    int c = 0;
    for (int q = 1; q < classOf.length; q++) {
      while (sizes[c] < q << 4) {
        c++;
      }
      classOf[q] = (byte) c;
    }
  }

  /** Class index of {@code size} (1 to {@link #maxSmall}). */
  int classOf(long size) {
    return classOf(classOf, size);
  }

  /** Class index of {@code size} in {@code table} (a {@link #classOf} table). */
  static int classOf(byte[] table, long size) {
    return table[(int) ((size + 15) >> 4)];
  }

  int count() {
    return sizes.length;
  }
}
