package dev.omega.mem.bench;

import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.runtime.OmegaMemory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;

/**
 * What a heap's digest, snapshot and restore cost (issue 25): milliseconds per million objects and
 * snapshot bytes per object, on a complete binary tree of objects with two reference slots and
 * {@link #PAYLOAD} payload bytes each, held by one root.
 *
 * <p>The snapshot is timed into a stream that only counts (the figure is the heap's work, not a
 * sink's), the restore from the bytes in memory into a new system. Each figure is {@link
 * CollectorFigures.Timings}: the first run of the JVM, then the median of {@code runs} after {@code
 * warmups} more. Run alone: {@code java -cp benchmarks.jar dev.omega.mem.bench.SnapshotFigures
 * [objects] [collector]}.
 *
 * <p>Not thread-safe; nothing else should run while it measures.
 */
final class SnapshotFigures {
  /** Payload bytes per object. */
  static final int PAYLOAD = 16;

  private SnapshotFigures() {}

  /** The figures of one collector. */
  record Figures(
      int objects,
      long snapshotBytes,
      CollectorFigures.Timings digest,
      CollectorFigures.Timings snapshot,
      CollectorFigures.Timings restore) {

    /** Milliseconds per million objects of a median. */
    private double perMillion(CollectorFigures.Timings t) {
      return t.median() * 1e6 / objects;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%.1f B/object; ms per million objects: digest %.0f, snapshot %.0f, restore %.0f%n"
              + "  digest   %s%n  snapshot %s%n  restore  %s",
          snapshotBytes / (double) objects,
          perMillion(digest),
          perMillion(snapshot),
          perMillion(restore),
          digest.describe(),
          snapshot.describe(),
          restore.describe());
    }
  }

  static Figures measure(String collector, int objects, int warmups, int runs) {
    long pool = 64L << 20; // a power of two, so a multiple of any block size
    while (pool < (long) objects * 160) {
      pool *= 2;
    }
    double[] digest = new double[1 + warmups + runs];
    double[] snapshot = new double[digest.length];
    double[] restore = new double[digest.length];
    long size = 0;
    try (OmegaMemory omega = CollectorFigures.system(collector, pool, Duration.ofMillis(100))) {
      ManagedHeap heap = omega.heap();
      tree(heap, objects);
      StateDigest expected = heap.digest();
      for (int run = 0; run < digest.length; run++) {
        System.gc();
        long started = System.nanoTime();
        StateDigest d = heap.digest();
        digest[run] = (System.nanoTime() - started) / 1e6;
        if (!d.equals(expected) || d.objects() != objects) {
          throw new AssertionError(collector + ": digest " + d + " of " + d.objects());
        }
        CountingStream counter = new CountingStream();
        System.gc();
        started = System.nanoTime();
        heap.snapshot(counter);
        snapshot[run] = (System.nanoTime() - started) / 1e6;
        size = counter.bytes;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
      heap.snapshot(out);
      byte[] bytes = out.toByteArray();
      for (int run = 0; run < restore.length; run++) {
        try (OmegaMemory target =
            CollectorFigures.system(collector, pool, Duration.ofMillis(100))) {
          System.gc();
          long started = System.nanoTime();
          target.heap().restore(new ByteArrayInputStream(bytes));
          restore[run] = (System.nanoTime() - started) / 1e6;
          if (!target.heap().digest().equals(expected)) {
            throw new AssertionError(collector + ": the restored heap has another digest");
          }
        }
      }
    }
    return new Figures(
        objects,
        size,
        CollectorFigures.Timings.of(digest, warmups),
        CollectorFigures.Timings.of(snapshot, warmups),
        CollectorFigures.Timings.of(restore, warmups));
  }

  /** A complete binary tree of {@code objects} objects, node i's children 2i + 1 and 2i + 2. */
  private static void tree(ManagedHeap heap, int objects) {
    HeapRefs refs = heap.refs();
    long[] ids = new long[objects];
    int scope = refs.enterScope();
    for (int i = 0; i < objects; i++) {
      ids[i] = refs.allocate(2, PAYLOAD);
      refs.setLong(ids[i], 0, i);
      refs.setLong(ids[i], 8, (long) i * i);
    }
    for (int i = 0; i < objects; i++) {
      for (int c = 0; c < 2; c++) {
        if (2 * i + 1 + c < objects) {
          refs.set(ids[i], c, ids[2 * i + 1 + c]);
        }
      }
    }
    refs.addRoot(ids[0]);
    refs.exitScope(scope);
  }

  /** Counts the bytes written and keeps none. */
  private static final class CountingStream extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }

  public static void main(String[] args) {
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String[] collectors = args.length > 1 ? args[1].split(",") : CollectorFigures.COLLECTORS;
    print(objects, collectors, 1, 3);
  }

  /** Prints the figures of each collector, as BenchMain's {@code snapshot} section does. */
  static void print(int objects, String[] collectors, int warmups, int runs) {
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "## heap state (issue 25): digest, snapshot (into a counting stream) and restore of a"
            + " binary tree of %,d objects (2 slots, %d payload bytes each), ms: the JVM's first,"
            + " then the median (range) of %d after %d more%n",
        objects,
        PAYLOAD,
        runs,
        warmups);
    for (String collector : collectors) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %s%n",
          collector,
          measure(collector, objects, warmups, runs).describe());
    }
  }
}
