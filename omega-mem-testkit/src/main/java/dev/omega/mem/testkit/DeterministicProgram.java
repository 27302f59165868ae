package dev.omega.mem.testkit;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.WeakHeapReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded random program for a deterministic heap, and the trace of everything the heap decided
 * while it ran: each object's id, each failed operation, the order cleanup callbacks ran and weak
 * references cleared, the collections, the gas a metered stretch used and the operation it ran out
 * at, the allocation that ran out of memory, and the final digest. Run twice with the same seed on
 * deterministic heaps of the same configuration, the traces must be equal line for line, whatever
 * the JVM, the JIT, the timing or the other threads of the process.
 *
 * <p>The program allocates objects of random shapes, roots some, writes references and payloads
 * between random objects it remembers (some of them freed by then: those writes fail with {@link
 * UseAfterFreeException}, which is traced), begins transactions and nested frames that commit or
 * roll back, opens a metered stretch with a budget it exhausts, registers weak references and
 * cleanup callbacks, and drops roots so that collections have garbage to find. When an allocation
 * runs out of memory it traces the step and drops half of its roots.
 */
public final class DeterministicProgram {
  private final ManagedHeap heap;
  private final HeapRefs refs;
  private final SplittableRandom random;
  private final List<String> trace = new ArrayList<>();
  private final long[] known = new long[512];
  private final List<Long> roots = new ArrayList<>();
  private final List<WeakHeapReference> weak = new ArrayList<>();
  private final Deque<HeapTransaction> frames = new ArrayDeque<>();
  private final int longestChain;
  private int knownTop;
  private int step;
  private int nextTag;

  private DeterministicProgram(ManagedHeap heap, long seed, int longestChain) {
    this.heap = heap;
    this.longestChain = longestChain;
    this.refs = heap.refs();
    this.random = new SplittableRandom(seed);
  }

  /**
   * Runs {@code steps} random operations on {@code heap} (which should be empty) from {@code seed}
   * and returns the trace.
   */
  public static List<String> run(ManagedHeap heap, long seed, int steps) {
    return run(heap, seed, steps, 40);
  }

  /**
   * As {@link #run(ManagedHeap, long, int)}, with garbage chains of up to {@code longestChain}
   * objects: long ones give collections enough to sweep and mark that their bounded steps stop
   * part-way.
   */
  public static List<String> run(ManagedHeap heap, long seed, int steps, int longestChain) {
    DeterministicProgram p = new DeterministicProgram(heap, seed, longestChain);
    p.runSteps(steps);
    return p.trace;
  }

  private void runSteps(int steps) {
    GasMeter meter = null;
    for (step = 0; step < steps; step++) {
      if (step == steps / 2) {
        meter = heap.meter(20_000 + random.nextInt(20_000), GasSchedule.defaults());
      }
      try {
        oneStep();
      } catch (MeterExhaustedException e) {
        trace(
            "out of gas at metered operation "
                + e.operationIndex()
                + " ("
                + e.operation()
                + ") used "
                + e.used());
        meter.close();
        meter = null;
      } catch (OutOfMemoryException e) {
        trace("out of memory (" + e.requestedBytes() + " bytes); dropping half the roots");
        for (int i = roots.size() - 1; i >= 0; i -= 2) {
          long id = roots.remove(i);
          if (refs.isLive(id)) {
            refs.removeRoot(id);
          }
        }
      } catch (UseAfterFreeException e) {
        trace("stale id"); // e.g. a root whose allocation a rollback undid
      }
      if (step % 97 == 0) {
        traceWeakClears();
        // Objects not yet freed show where a lazy sweep or a marking step stopped.
        trace(
            "collections "
                + heap.collector().getCollectionStatistics().totalCollections()
                + " objects "
                + heap.objectCount()
                + " bytes "
                + heap.usedBytes());
      }
    }
    if (meter != null) {
      trace("gas used " + meter.used() + " of " + meter.budget());
      meter.close();
    }
    while (!frames.isEmpty()) {
      frames.pop().commit();
    }
    heap.collector().forceCollection();
    traceWeakClears();
    trace(
        "end: objects "
            + heap.objectCount()
            + " bytes "
            + heap.usedBytes()
            + " collections "
            + heap.collector().getCollectionStatistics().totalCollections()
            + " digest "
            + heap.digest().hex());
  }

  private void oneStep() {
    int op = random.nextInt(100);
    if (op < 40) {
      allocate();
    } else if (op < 60) {
      writeReference();
    } else if (op < 72) {
      writePayload();
    } else if (op < 80) {
      dropRoot();
    } else if (op < 84) {
      transaction();
    } else if (op < 90) {
      read();
    } else {
      allocateGarbage();
    }
  }

  private void allocate() {
    long id = refs.allocate(random.nextInt(5), random.nextInt(65));
    int tag = nextTag++;
    HeapObject handle = refs.handle(id);
    heap.onCollect(handle, () -> trace("freed #" + tag));
    if (tag % 50 == 0) {
      weak.add(heap.weakReference(handle));
    }
    known[knownTop++ % known.length] = id;
    trace("allocate #" + tag + " id " + Long.toHexString(id));
    if (random.nextInt(3) == 0) {
      refs.addRoot(id);
      roots.add(id);
    }
  }

  private void allocateGarbage() {
    int n = 1 + random.nextInt(longestChain);
    long last = 0;
    for (int i = 0; i < n; i++) {
      long id = refs.allocate(1, 24);
      if (last != 0) {
        refs.set(id, 0, last);
      }
      last = id;
    }
    trace("garbage chain of " + n + " ending " + Long.toHexString(last));
  }

  private long anyKnown() {
    if (knownTop == 0) {
      return 0;
    }
    return known[random.nextInt(Math.min(knownTop, known.length))];
  }

  private void writeReference() {
    long from = anyKnown();
    long to = random.nextInt(5) == 0 ? 0 : anyKnown();
    if (from == 0) {
      return;
    }
    try {
      int slots = refs.referenceSlots(from);
      if (slots == 0) {
        trace("no slots in " + Long.toHexString(from));
        return;
      }
      refs.set(from, random.nextInt(slots), to);
      trace("set " + Long.toHexString(from) + " -> " + Long.toHexString(to));
    } catch (UseAfterFreeException e) {
      trace("stale write " + Long.toHexString(from) + " or " + Long.toHexString(to));
    }
  }

  private void writePayload() {
    long object = anyKnown();
    if (object == 0) {
      return;
    }
    try {
      int size = refs.dataBytes(object);
      if (size >= 8) {
        refs.setLong(object, random.nextInt(size - 7), random.nextLong());
      } else if (size > 0) {
        refs.setByte(object, random.nextInt(size), (byte) random.nextInt());
      }
      trace("payload " + Long.toHexString(object) + " size " + size);
    } catch (UseAfterFreeException e) {
      trace("stale payload " + Long.toHexString(object));
    }
  }

  private void read() {
    long object = anyKnown();
    if (object == 0) {
      return;
    }
    trace("live " + Long.toHexString(object) + " " + refs.isLive(object));
  }

  private void dropRoot() {
    if (!roots.isEmpty()) {
      long id = roots.remove(random.nextInt(roots.size()));
      trace("unroot " + Long.toHexString(id) + " " + refs.removeRoot(id));
    }
  }

  private void transaction() {
    int choice = random.nextInt(3);
    if (choice == 0 || frames.isEmpty()) {
      if (frames.size() < 4) {
        frames.push(heap.begin());
        trace("begin frame " + frames.size());
      }
      return;
    }
    HeapTransaction frame = frames.pop();
    if (choice == 1) {
      frame.commit();
      trace("commit frame " + frame.depth());
    } else {
      frame.rollback();
      trace("rollback frame " + frame.depth() + " objects now " + heap.objectCount());
    }
  }

  private void traceWeakClears() {
    for (int i = 0; i < weak.size(); i++) {
      if (weak.get(i) != null && weak.get(i).get() == null) {
        trace("weak " + i + " cleared");
        weak.set(i, null);
      }
    }
  }

  private void trace(String line) {
    trace.add(step + " " + line);
  }
}
