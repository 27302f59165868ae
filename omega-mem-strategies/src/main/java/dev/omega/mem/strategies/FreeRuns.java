package dev.omega.mem.strategies;

import dev.omega.mem.spi.AllocationStrategy.RunVisitor;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The free runs of a unit range, kept maximal (coalesced) and indexed two ways.
 *
 * <p>Terms: a <em>run</em> is {@code [start, start + length)}. Layout:
 *
 * <pre>
 *   byStart : start  -> length             address order: neighbours, first fit, next fit
 *   bySize  : (length &lt;&lt; 32) | start       size order: best fit, largest run
 * </pre>
 *
 * <p>Packing {@code (length, start)} into one {@code long} orders runs by length and then by
 * address, so {@code bySize.ceiling(units << 32)} is the best fit with the lowest address among
 * equals. It needs both values below 2<sup>32</sup>; pools stop at 2<sup>31</sup> pages.
 *
 * <p>Invariants: no two runs overlap or touch (touching runs are merged on insert); {@code
 * freeUnits} is the sum of lengths; both indexes hold the same runs. Every operation is O(log n) in
 * the number of runs. Not thread-safe: strategies are called under the pool's lock.
 */
final class FreeRuns {
  static final long MAX_UNITS = 1L << 32;

  private final TreeMap<Long, Long> byStart = new TreeMap<>();
  private final TreeSet<Long> bySize = new TreeSet<>();
  private long freeUnits;

  static void checkTotal(long totalUnits) {
    if (totalUnits <= 0 || totalUnits >= MAX_UNITS) {
      throw new IllegalArgumentException(
          "totalUnits " + totalUnits + " must be between 1 and " + (MAX_UNITS - 1));
    }
  }

  long freeUnits() {
    return freeUnits;
  }

  long runCount() {
    return byStart.size();
  }

  long largest() {
    return bySize.isEmpty() ? 0 : bySize.last() >>> 32;
  }

  boolean isEmpty() {
    return byStart.isEmpty();
  }

  void clear() {
    byStart.clear();
    bySize.clear();
    freeUnits = 0;
  }

  /**
   * Adds a free run, merging it with the runs it touches.
   *
   * @throws IllegalStateException if any unit of it is already free (a double free)
   */
  void insert(long start, long length) {
    Map.Entry<Long, Long> before = byStart.floorEntry(start);
    if (before != null && before.getKey() + before.getValue() > start) {
      throw overlap(start, length, before.getKey(), before.getValue());
    }
    Map.Entry<Long, Long> after = byStart.ceilingEntry(start);
    if (after != null && after.getKey() < start + length) {
      throw overlap(start, length, after.getKey(), after.getValue());
    }
    long mergedStart = start;
    long mergedLength = length;
    if (before != null && before.getKey() + before.getValue() == start) {
      remove(before.getKey(), before.getValue());
      mergedStart = before.getKey();
      mergedLength += before.getValue();
    }
    if (after != null && after.getKey() == start + length) {
      remove(after.getKey(), after.getValue());
      mergedLength += after.getValue();
    }
    add(mergedStart, mergedLength);
  }

  /**
   * Claims {@code [take, take + units)}, which must lie inside the free run starting at {@code
   * runStart}.
   */
  void claim(long runStart, long take, long units) {
    Long runLength = byStart.get(runStart);
    if (runLength == null || take < runStart || take + units > runStart + runLength) {
      throw new IllegalStateException(
          "["
              + take
              + ", "
              + (take + units)
              + ") is not inside a free run starting at "
              + runStart);
    }
    remove(runStart, runLength);
    if (take > runStart) {
      add(runStart, take - runStart);
    }
    long tail = runStart + runLength - (take + units);
    if (tail > 0) {
      add(take + units, tail);
    }
  }

  /** Start of the shortest run of at least {@code units} (lowest address among equals), or -1. */
  long bestFit(long units) {
    Long key = bySize.ceiling(units << 32);
    return key == null ? -1 : key & 0xFFFF_FFFFL;
  }

  /**
   * Start of the first run at or after {@code from} (wrapping around) of at least {@code units}, or
   * -1.
   */
  long nextFit(long from, long units) {
    if (largest() < units) {
      return -1;
    }
    for (Map.Entry<Long, Long> e : byStart.tailMap(from, true).entrySet()) {
      if (e.getValue() >= units) {
        return e.getKey();
      }
    }
    for (Map.Entry<Long, Long> e : byStart.headMap(from, false).entrySet()) {
      if (e.getValue() >= units) {
        return e.getKey();
      }
    }
    return -1;
  }

  /** Length of the free run starting exactly at {@code start}, or 0. */
  long lengthAt(long start) {
    Long length = byStart.get(start);
    return length == null ? 0 : length;
  }

  /** The free run ending exactly at {@code end}, as its start, or -1. */
  long runEndingAt(long end) {
    Map.Entry<Long, Long> e = byStart.lowerEntry(end);
    return e != null && e.getKey() + e.getValue() == end ? e.getKey() : -1;
  }

  /** Removes the whole run starting at {@code start}. */
  void removeRun(long start) {
    Long length = byStart.get(start);
    if (length == null) {
      throw new IllegalStateException("no free run starts at " + start);
    }
    remove(start, length);
  }

  void forEach(RunVisitor visitor) {
    for (Map.Entry<Long, Long> e : byStart.entrySet()) {
      visitor.run(e.getKey(), e.getValue());
    }
  }

  /** Address-ordered view for strategies that walk runs (batch). */
  Iterable<Map.Entry<Long, Long>> inAddressOrder() {
    return byStart.entrySet();
  }

  private void add(long start, long length) {
    byStart.put(start, length);
    bySize.add((length << 32) | start);
    freeUnits += length;
  }

  private void remove(long start, long length) {
    byStart.remove(start);
    bySize.remove((length << 32) | start);
    freeUnits -= length;
  }

  private static IllegalStateException overlap(
      long start, long length, long otherStart, long otherLength) {
    return new IllegalStateException(
        "freeing ["
            + start
            + ", "
            + (start + length)
            + ") overlaps free run ["
            + otherStart
            + ", "
            + (otherStart + otherLength)
            + "): a run was freed twice");
  }
}
