package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Model-based, property-based: random programs with nested transactions against a model graph of
 * plain Java maps. After every step the heap holds what the model holds (every reference and
 * payload byte of every object the model can reach, and the roots with their holds); a rollback
 * brings the model back to its copy from the frame's begin and the heap to the digest from then,
 * and frees what the frame allocated. Separately: a metered program runs out of gas at the same
 * operation in every run, and the refused operation changes nothing.
 */
class TransactionModelPropertiesTest {
  private static final int SLOTS = 3;
  private static final int DATA = 16;

  /** The model: slots and payload per object id, and the roots in order with their holds. */
  private static final class Model {
    final Map<Long, long[]> refs = new HashMap<>();
    final Map<Long, byte[]> data = new HashMap<>();
    final LinkedHashMap<Long, Integer> roots = new LinkedHashMap<>();

    Model copy() {
      Model m = new Model();
      refs.forEach((k, v) -> m.refs.put(k, v.clone()));
      data.forEach((k, v) -> m.data.put(k, v.clone()));
      m.roots.putAll(roots);
      return m;
    }

    List<Long> reachable() {
      List<Long> order = new ArrayList<>(roots.keySet());
      Set<Long> seen = new HashSet<>(order);
      for (int i = 0; i < order.size(); i++) {
        for (long child : refs.get(order.get(i))) {
          if (child != 0 && seen.add(child)) {
            order.add(child);
          }
        }
      }
      return order;
    }
  }

  @Property(tries = 30, seed = "250")
  void randomFrames_heapMatchesTheModel_rollbackRestoresDigestAndModel(
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed,
      @ForAll @IntRange(min = 0, max = 3) int collectorIndex) {
    GarbageCollectorProvider provider = StateGraphs.collectors().get(collectorIndex);
    try (OffHeapManagedHeap heap = StateGraphs.heap(provider, 16L << 20, seed % 2 == 0)) {
      runAgainstModel(heap, new SplittableRandom(seed), 400);
    }
  }

  private static void runAgainstModel(OffHeapManagedHeap heap, SplittableRandom random, int steps) {
    HeapRefs r = heap.refs();
    Model model = new Model();
    Deque<Model> savedModels = new ArrayDeque<>();
    Deque<StateDigest> savedDigests = new ArrayDeque<>();
    Deque<List<Long>> allocatedInFrame = new ArrayDeque<>();
    Deque<HeapTransaction> frames = new ArrayDeque<>();
    long first = r.allocate(SLOTS, DATA);
    r.addRoot(first);
    model.refs.put(first, new long[SLOTS]);
    model.data.put(first, new byte[DATA]);
    model.roots.put(first, 1);
    for (int step = 0; step < steps; step++) {
      List<Long> live = model.reachable();
      long pick = live.isEmpty() ? 0 : live.get(random.nextInt(live.size()));
      int op = random.nextInt(20);
      if (op < 2 && frames.size() < 4) {
        savedModels.push(model.copy());
        savedDigests.push(heap.digest());
        allocatedInFrame.push(new ArrayList<>());
        frames.push(heap.begin());
      } else if (op < 4 && !frames.isEmpty()) {
        HeapTransaction frame = frames.pop();
        Model before = savedModels.pop();
        StateDigest digest = savedDigests.pop();
        List<Long> allocated = allocatedInFrame.pop();
        if (random.nextBoolean()) {
          frame.commit();
          if (!allocatedInFrame.isEmpty()) {
            allocatedInFrame.peek().addAll(allocated); // the enclosing frame may still undo them
          }
        } else {
          frame.rollback();
          model = before;
          assertEquals(digest, heap.digest(), "digest after rollback at step " + step);
          for (long id : allocated) {
            assertFalse(r.isLive(id), "allocated in the rolled-back frame, step " + step);
          }
        }
      } else if (op < 5) {
        heap.collector().forceCollection();
      } else if (pick == 0) {
        continue; // no root left: only frames and collections until a rollback brings one back
      } else if (op < 9) {
        long fresh = r.allocate(SLOTS, DATA);
        int slot = random.nextInt(SLOTS);
        r.set(pick, slot, fresh); // linked before the next allocation can collect it
        model.refs.put(fresh, new long[SLOTS]);
        model.data.put(fresh, new byte[DATA]);
        model.refs.get(pick)[slot] = fresh;
        if (!allocatedInFrame.isEmpty()) {
          allocatedInFrame.peek().add(fresh);
        }
      } else if (op < 13) {
        long target = random.nextInt(4) == 0 ? 0 : live.get(random.nextInt(live.size()));
        int slot = random.nextInt(SLOTS);
        r.set(pick, slot, target);
        model.refs.get(pick)[slot] = target;
      } else if (op < 16) {
        int offset = random.nextInt(DATA - 7);
        long value = random.nextLong();
        r.setLong(pick, offset, value);
        byte[] bytes = model.data.get(pick);
        for (int i = 0; i < 8; i++) {
          bytes[offset + i] = (byte) (value >>> (8 * i));
        }
      } else if (op < 18) {
        r.addRoot(pick);
        model.roots.merge(pick, 1, Integer::sum);
      } else {
        long root = new ArrayList<>(model.roots.keySet()).get(random.nextInt(model.roots.size()));
        assertTrue(r.removeRoot(root));
        model.roots.compute(root, (k, v) -> v == 1 ? null : v - 1);
      }
      assertMatches(heap, model, step);
      if (step % 25 == 0 || op < 4) {
        assertEquals(digestOf(model), heap.digest(), "the model's digest, step " + step);
      }
    }
  }

  /** Every object the model reaches holds the model's slots and bytes; the roots agree. */
  private static void assertMatches(OffHeapManagedHeap heap, Model model, int step) {
    HeapRefs r = heap.refs();
    for (long id : model.reachable()) {
      assertTrue(r.isLive(id), "reachable object freed, step " + step);
      long[] slots = new long[SLOTS];
      for (int s = 0; s < SLOTS; s++) {
        slots[s] = r.get(id, s);
      }
      assertArrayEquals(model.refs.get(id), slots, "slots, step " + step);
      byte[] bytes = new byte[DATA];
      for (int i = 0; i < DATA; i++) {
        bytes[i] = r.getByte(id, i);
      }
      assertArrayEquals(model.data.get(id), bytes, "payload, step " + step);
    }
  }

  /**
   * The digest of the model's state: the model built into a heap of its own (through {@link
   * StateGraphs#build}, with other ids and garbage), so the roots, their order and holds, and every
   * reachable reference and byte are compared at once.
   */
  private static StateDigest digestOf(Model model) {
    List<Long> reachable = model.reachable();
    Map<Long, Integer> index = new HashMap<>();
    for (int i = 0; i < reachable.size(); i++) {
      index.put(reachable.get(i), i);
    }
    List<StateGraphs.Node> nodes = new ArrayList<>();
    for (long id : reachable) {
      long[] refs = model.refs.get(id);
      int[] targets = new int[refs.length];
      for (int s = 0; s < refs.length; s++) {
        targets[s] = refs[s] == 0 ? -1 : index.get(refs[s]);
      }
      nodes.add(new StateGraphs.Node(model.data.get(id).clone(), targets));
    }
    List<int[]> roots = new ArrayList<>();
    model.roots.forEach((id, holds) -> roots.add(new int[] {index.get(id), holds}));
    try (OffHeapManagedHeap other =
        StateGraphs.heap(StateGraphs.collectors().get(2), 4L << 20, true)) {
      StateGraphs.build(other, new StateGraphs.Graph(nodes, roots), reachable.size());
      return other.digest();
    }
  }

  @Property(tries = 20, seed = "251")
  void meterExhaustion_atTheSameOperation_everyRun_andTheRefusedOneChangesNothing(
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed,
      @ForAll @IntRange(min = 0, max = 3) int collectorIndex,
      @ForAll @IntRange(min = 200, max = 20_000) int budget) {
    GarbageCollectorProvider provider = StateGraphs.collectors().get(collectorIndex);
    String first = meteredRun(provider, seed, budget);
    String second = meteredRun(provider, seed, budget);
    assertEquals(first, second);
  }

  /** Runs a seeded metered program on a fresh deterministic heap; returns where gas ran out. */
  private static String meteredRun(GarbageCollectorProvider provider, long seed, int budget) {
    GarbageCollectorConfig config =
        GarbageCollectorConfig.builder()
            .collectionStrategy(provider.name())
            .deterministic(true)
            .build();
    try (OffHeapManagedHeap heap =
        new OffHeapManagedHeap(config, new ArrayMemoryManager(16L << 20), provider)) {
      HeapRefs r = heap.refs();
      SplittableRandom random = new SplittableRandom(seed);
      List<Long> objects = new ArrayList<>();
      long root = r.allocate(SLOTS, DATA);
      r.addRoot(root);
      objects.add(root);
      try (GasMeter meter = heap.meter(budget, GasSchedule.defaults())) {
        for (int op = 0; ; op++) {
          StateDigest digest = heap.digest();
          long bytes = heap.usedBytes();
          long used = meter.used();
          long from = objects.get(random.nextInt(objects.size()));
          try {
            // Objects form a chain through slot 0, so every one is reachable and a write to any
            // shows in the digest; once little gas is left only writes run, so the refused
            // operation is often a write, the cheapest kind.
            int kind = meter.remaining() < 12 ? 1 + random.nextInt(2) : random.nextInt(3);
            switch (kind) {
              case 0 -> {
                long fresh = r.allocate(SLOTS, 8 + random.nextInt(200));
                r.set(objects.getLast(), 0, fresh);
                objects.add(fresh);
              }
              case 1 -> r.set(from, 1 + random.nextInt(SLOTS - 1), objects.get(0));
              default -> r.setLong(from, 0, random.nextLong());
            }
          } catch (dev.omega.mem.api.UseAfterFreeException e) {
            objects.remove(from); // unlinked by an earlier write and collected: the same every run
          } catch (MeterExhaustedException e) {
            // A fresh object whose link was refused is garbage, not a change to the state.
            assertEquals(digest, heap.digest(), "the refused operation changed the state");
            // An allocation whose link was refused was charged itself; the refusal charged nothing.
            assertEquals(e.used(), meter.used(), "the refused operation was charged");
            if (e.used() != used) {
              assertTrue(
                  e.operation().startsWith("a reference write"), "only a link after an allocation");
            }
            return "op "
                + op
                + " metered "
                + e.operationIndex()
                + " used "
                + e.used()
                + " bytes "
                + bytes
                + " digest "
                + digest.hex()
                + " ids "
                + Arrays.toString(objects.stream().mapToLong(Long::longValue).toArray());
          }
        }
      }
    }
  }
}
