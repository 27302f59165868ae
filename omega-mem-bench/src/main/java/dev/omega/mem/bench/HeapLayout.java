package dev.omega.mem.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Moves where the objects a benchmark builds next land on the Java heap, by a random amount.
 *
 * <p>Design note. The allocator's hot path reads and writes a dozen small Java objects (the thread
 * cache and its arrays, the slab, the manager). Where the JVM places them relative to one another
 * changes the cost of the path: one fork of the 64 B allocate+free pair measured 11.5 ns or 16.5 ns
 * for the same code, flipped by nothing but one more field in a class or another {@code -Xmx} (some
 * placements make a hot load collide with a hot store, by 4K aliasing or a cache-set conflict; this
 * VM has no hardware counters to say which). A fork's placement is the same from run to run, so a
 * one-fork figure samples one placement, and comparing two builds one fork each compares two
 * placements as much as two builds. So each fork starts from a pad of random size that stays
 * reachable (0 to 64 KiB, in 8-byte steps: more than a TLAB's usual start, so it also moves TLAB
 * boundaries), the run script uses several forks, and the figure reported is the median over all
 * forks' iterations: a median over placements (the argument of Stabilizer, Curtsinger and Berger,
 * ASPLOS 2013), not the figure of one lucky or unlucky placement.
 *
 * <p>{@code -Domega.bench.layoutSeed=N} fixes the pads, to look at one placement again.
 *
 * <p>Thread safety: called from benchmark setup methods, which JMH runs one at a time.
 */
final class HeapLayout {
  private HeapLayout() {}

  private static final int MAX_PAD_BYTES = 64 << 10;

  private static final SplittableRandom RANDOM =
      new SplittableRandom(Long.getLong("omega.bench.layoutSeed", System.nanoTime()));

  /** Kept reachable so that what was allocated after a pad stays where the pad put it. */
  private static final List<long[]> PADS = new ArrayList<>();

  /** Allocates a pad of 0 to 64 KiB, so whatever this thread allocates next lands elsewhere. */
  static synchronized void shift() {
    PADS.add(new long[RANDOM.nextInt(MAX_PAD_BYTES / 8)]);
  }
}
