package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tag;

/**
 * Model-based testing of the public operations: jqwik generates sequences of allocate, free, write,
 * read, compact, heap allocate, set reference, add and remove root and collect; each runs on a real
 * system and on a plain model (a map of expected bytes; a graph with a BFS for reachability), and
 * after every step the two must agree and {@code verifyIntegrity()} must be empty. Each object
 * carries its own tag in its payload, so a reference to the wrong object is told from the right
 * one. A failing sequence is shrunk by jqwik to a short one.
 *
 * <p>One property per collector, each with a fixed seed and the same number of tries in every
 * build. {@code -Pstress} does not add tries: it makes each sequence longer (400 operations instead
 * of 120) and runs every sequence on all four collectors, not only the property's own.
 */
@Tag("stress_tests")
@Tag("basic_allocation")
class ModelBasedIT {

  /** One public operation; indexes pick among the model's live things modulo their count. */
  sealed interface Op {}

  record Allocate(int size) implements Op {}

  record Free(int index) implements Op {}

  record Write(int index, byte value) implements Op {}

  record Compact() implements Op {}

  record NewObject(int slots, boolean root) implements Op {}

  record Link(int from, int slot, int to) implements Op {}

  record Unroot(int index) implements Op {}

  record Collect() implements Op {}

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Integer> index = Arbitraries.integers().between(0, 1000);
    Arbitrary<Op> op =
        Arbitraries.oneOf(
            Arbitraries.integers().between(1, 20_000).map(Allocate::new),
            index.map(Free::new),
            Arbitraries.integers()
                .between(0, 1000)
                .flatMap(i -> Arbitraries.bytes().map(b -> new Write(i, b))),
            Arbitraries.just(new Compact()),
            Arbitraries.integers()
                .between(0, 3)
                .flatMap(s -> Arbitraries.of(true, false).map(r -> new NewObject(s, r))),
            Arbitraries.integers()
                .between(0, 1000)
                .flatMap(
                    f ->
                        Arbitraries.integers()
                            .between(0, 3)
                            .flatMap(s -> index.map(t -> new Link(f, s, t)))),
            index.map(Unroot::new),
            Arbitraries.just(new Collect()));
    // Uniform lengths: jqwik's default size distribution favours short lists (about 8 operations
    // on average here), too short to link, unroot and collect the same objects.
    return op.list()
        .ofMinSize(1)
        .ofMaxSize(SuiteTally.scale(120, 400))
        .withSizeDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 30, seed = "424242")
  void run_onMarkSweepWithRandomPlacement_systemAgreesWithModel(
      @ForAll("operations") List<Op> ops) {
    check(ops, "random", "mark-sweep");
  }

  @Property(tries = 30, seed = "777")
  void run_onReferenceCountingWithSequentialPlacement_systemAgreesWithModel(
      @ForAll("operations") List<Op> ops) {
    check(ops, "sequential", "reference-counting");
  }

  @Property(tries = 30, seed = "31337")
  void run_onGenerationalWithBatchPlacement_systemAgreesWithModel(
      @ForAll("operations") List<Op> ops) {
    check(ops, "batch", "generational");
  }

  @Property(tries = 30, seed = "2718")
  void run_onIncrementalWithRandomPlacement_systemAgreesWithModel(
      @ForAll("operations") List<Op> ops) {
    check(ops, "random", "incremental");
  }

  private void check(List<Op> ops, String strategy, String collector) {
    if (SuiteTally.stress()) {
      // The long run repeats each sequence on every collector.
      for (String c : List.of("mark-sweep", "generational", "incremental", "reference-counting")) {
        run(ops, strategy, c);
      }
    } else {
      run(ops, strategy, collector);
    }
  }

  private static final class ObjectModel {
    final HeapObject handle;
    final long tag;
    final ObjectModel[] slots;
    boolean root;

    ObjectModel(HeapObject handle, long tag, int slots) {
      this.handle = handle;
      this.tag = tag;
      this.slots = new ObjectModel[slots];
    }
  }

  private void run(List<Op> ops, String strategy, String collector) {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(
                MemoryPoolConfig.builder()
                    .poolSize(4 << 20)
                    .allocationStrategy(strategy)
                    .enableCompaction(true)
                    .build())
            .garbageCollector(
                GarbageCollectorConfig.builder()
                    .collectionStrategy(collector)
                    .collectionThreshold(0.99)
                    .build())
            .build()) {
      MemoryManager manager = omega.memoryManager();
      MemoryPool pool = omega.memoryPool();
      ManagedHeap heap = omega.heap();
      List<MemoryBlock> blocks = new ArrayList<>();
      Map<MemoryBlock, byte[]> expected = new IdentityHashMap<>();
      List<ObjectModel> objects = new ArrayList<>();
      List<HeapObject> dead = new ArrayList<>();
      long tags = 0;
      for (Op op : ops) {
        SuiteTally.OPERATIONS.increment();
        switch (op) {
          case Allocate a -> {
            try {
              MemoryBlock b = manager.allocate(a.size());
              b.fill(0, a.size(), (byte) 0);
              blocks.add(b);
              expected.put(b, new byte[a.size()]);
            } catch (OutOfMemoryException full) {
              // A full pool is a legal answer; the model does not change.
            }
          }
          case Free f -> {
            if (blocks.isEmpty()) {
              break;
            }
            MemoryBlock b = blocks.remove(f.index() % blocks.size());
            byte[] actual = bytes(b, expected);
            byte[] want = expected.remove(b);
            SuiteTally.mismatches(want, actual);
            assertArrayEquals(want, actual, "contents before free");
            manager.deallocate(b);
            assertThrows(UseAfterFreeException.class, () -> b.getByte(0));
          }
          case Write w -> {
            if (blocks.isEmpty()) {
              break;
            }
            MemoryBlock b = blocks.get(w.index() % blocks.size());
            byte[] model = expected.get(b);
            int at = w.index() % model.length;
            b.setByte(at, w.value());
            model[at] = w.value();
          }
          case Compact c -> pool.compact();
          case NewObject n -> {
            if (heap.usedBytes() > heap.capacityBytes() / 2) {
              break;
            }
            HeapObject h = heap.allocate(n.slots(), 8);
            ObjectModel m = new ObjectModel(h, ++tags, n.slots());
            h.data().setLong(0, m.tag);
            heap.addRoot(h);
            m.root = true;
            objects.add(m);
            if (!n.root()) {
              // Garbage from here on: a collector may free it at once (reference counting does,
              // at the next allocation), so the model drops it below.
              heap.removeRoot(h);
              m.root = false;
            }
          }
          case Link l -> {
            if (objects.isEmpty()) {
              break;
            }
            ObjectModel from = objects.get(l.from() % objects.size());
            if (from.slots.length > 0) {
              ObjectModel to = objects.get(l.to() % objects.size());
              int slot = l.slot() % from.slots.length;
              heap.setReference(from.handle, slot, to.handle);
              from.slots[slot] = to;
            }
          }
          case Unroot u -> {
            if (objects.isEmpty()) {
              break;
            }
            ObjectModel m = objects.get(u.index() % objects.size());
            if (m.root) {
              heap.removeRoot(m.handle);
              m.root = false;
            }
          }
          case Collect c -> {
            heap.collector().forceCollection();
            for (ObjectModel m : objects) {
              assertSameValue(
                  m.tag, m.handle.data().getLong(0), "reachable object " + m.tag + " intact");
              for (int s = 0; s < m.slots.length; s++) {
                // The target's tag, 0 for null (tags start at 1): a slot pointing at the wrong
                // object, or a null one pointing at any, differs from the model.
                HeapObject actual = heap.getReference(m.handle, s);
                assertSameValue(
                    m.slots[s] == null ? 0 : m.slots[s].tag,
                    actual == null ? 0 : actual.data().getLong(0),
                    "tag of the target of slot " + s + " of object " + m.tag);
              }
            }
            for (HeapObject gone : dead) {
              assertThrows(UseAfterFreeException.class, () -> gone.data().getLong(0));
            }
            assertEquals(objects.size(), heap.objectCount(), "exactly the unreachable are gone");
          }
        }
        // What the model cannot reach is garbage the heap may free at any moment: the program
        // uses it no more, and the next collection must have freed it.
        Set<ObjectModel> reachable = reachable(objects);
        for (ObjectModel m : objects) {
          if (!reachable.contains(m)) {
            dead.add(m.handle);
          }
        }
        objects.retainAll(reachable);
        assertEquals(List.of(), manager.verifyIntegrity(), "after " + op);
      }
      assertEquals(List.of(), heap.verifyIntegrity());
      for (MemoryBlock b : blocks) {
        byte[] actual = bytes(b, expected);
        SuiteTally.mismatches(expected.get(b), actual);
        assertArrayEquals(expected.get(b), actual, "contents at the end");
        manager.deallocate(b);
      }
    }
  }

  /** Records one comparison in the suite's data figures, then asserts it. */
  private static void assertSameValue(long expected, long actual, String what) {
    SuiteTally.compared(1, expected == actual ? 0 : 1);
    assertEquals(expected, actual, what);
  }

  private static byte[] bytes(MemoryBlock b, Map<MemoryBlock, byte[]> expected) {
    byte[] out = new byte[expected.get(b).length];
    b.copyTo(0, out, 0, out.length);
    return out;
  }

  private static Set<ObjectModel> reachable(List<ObjectModel> objects) {
    Set<ObjectModel> seen = new HashSet<>();
    ArrayDeque<ObjectModel> work = new ArrayDeque<>();
    for (ObjectModel m : objects) {
      if (m.root && seen.add(m)) {
        work.add(m);
      }
    }
    while (!work.isEmpty()) {
      for (ObjectModel child : work.poll().slots) {
        if (child != null && seen.add(child)) {
          work.add(child);
        }
      }
    }
    return seen;
  }
}
