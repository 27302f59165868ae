package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Object graphs described apart from any heap, for the digest and snapshot tests: the same graph
 * can be built into heaps of every collector, in different allocation orders, with garbage between,
 * so that the only thing two heaps share is the graph.
 */
final class StateGraphs {
  private StateGraphs() {}

  /** Every built-in collector. */
  static List<GarbageCollectorProvider> collectors() {
    return List.of(
        new BuiltInCollectors.ReferenceCounting(),
        new BuiltInCollectors.Generational(),
        new BuiltInCollectors.MarkSweep(),
        new BuiltInCollectors.Incremental());
  }

  static OffHeapManagedHeap heap(GarbageCollectorProvider provider) {
    return heap(provider, 16L << 20, true);
  }

  /** A heap over an in-memory manager of {@code bytes}, lending its bytes or checked. */
  static OffHeapManagedHeap heap(GarbageCollectorProvider provider, long bytes, boolean lends) {
    return new OffHeapManagedHeap(
        GarbageCollectorConfig.builder().collectionStrategy(provider.name()).build(),
        new ArrayMemoryManager(bytes, lends),
        provider);
  }

  /** An object: its payload, and for each slot the index of its target (-1 for null). */
  record Node(byte[] payload, int[] refs) {}

  /** Nodes, and the roots in the order they are added: {node index, holds}. */
  record Graph(List<Node> nodes, List<int[]> roots) {
    Graph {
      nodes = List.copyOf(nodes);
      roots = List.copyOf(roots);
    }

    /** The same graph with {@code node}'s slot {@code slot} pointing at {@code target}. */
    Graph withRef(int node, int slot, int target) {
      List<Node> changed = new ArrayList<>(nodes);
      int[] refs = nodes.get(node).refs().clone();
      refs[slot] = target;
      changed.set(node, new Node(nodes.get(node).payload(), refs));
      return new Graph(changed, roots);
    }

    /** The same graph with byte {@code at} of {@code node}'s payload flipped. */
    Graph withPayloadByteFlipped(int node, int at) {
      List<Node> changed = new ArrayList<>(nodes);
      byte[] payload = nodes.get(node).payload().clone();
      payload[at] ^= 1;
      changed.set(node, new Node(payload, nodes.get(node).refs()));
      return new Graph(changed, roots);
    }

    Graph withRoots(List<int[]> newRoots) {
      return new Graph(nodes, newRoots);
    }
  }

  /** A random graph: shapes, payloads and references (cycles likely), and several roots. */
  static Graph random(long seed, int maxNodes) {
    Random random = new Random(seed);
    int n = 1 + random.nextInt(maxNodes);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] payload = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(48)];
      random.nextBytes(payload);
      int[] refs = new int[random.nextInt(5)];
      for (int s = 0; s < refs.length; s++) {
        refs[s] = random.nextInt(10) < 3 ? -1 : random.nextInt(n);
      }
      nodes.add(new Node(payload, refs));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, random);
    List<int[]> roots = new ArrayList<>();
    int rootCount = 1 + random.nextInt(Math.min(n, 4));
    for (int i = 0; i < rootCount; i++) {
      roots.add(new int[] {order.get(i), 1 + random.nextInt(3)});
    }
    roots.getFirst()[1] = 2; // one root held twice, at least
    return new Graph(nodes, roots);
  }

  /**
   * Builds {@code graph} into {@code heap}: objects allocated in an order {@code seed} shuffles,
   * with garbage (some of it cyclic) between them, and a full collection part way through and at
   * the end, so that ids, placement and generations differ from one build to the next.
   *
   * @return each node's id
   */
  static long[] build(OffHeapManagedHeap heap, Graph graph, long seed) {
    HeapRefs refs = heap.refs();
    Random random = new Random(seed);
    int n = graph.nodes().size();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, random);
    long[] ids = new long[n];
    int scope = refs.enterScope();
    for (int done = 0; done < n; done++) {
      int i = order.get(done);
      for (int g = random.nextInt(3); g > 0; g--) {
        long garbage = refs.allocate(1, random.nextInt(24));
        refs.set(garbage, 0, random.nextBoolean() ? garbage : 0);
      }
      Node node = graph.nodes().get(i);
      ids[i] = refs.allocate(node.refs().length, node.payload().length);
      for (int b = 0; b < node.payload().length; b++) {
        refs.setByte(ids[i], b, node.payload()[b]);
      }
      if (done == n / 2 && random.nextBoolean()) {
        heap.collector().collect(CollectionCause.EXPLICIT); // the scope keeps the graph
      }
    }
    for (int i = 0; i < n; i++) {
      int[] targets = graph.nodes().get(i).refs();
      for (int s = 0; s < targets.length; s++) {
        if (targets[s] >= 0) {
          refs.set(ids[i], s, ids[targets[s]]);
        }
      }
    }
    for (int[] root : graph.roots()) {
      for (int h = 0; h < root[1]; h++) {
        refs.addRoot(ids[root[0]]);
      }
    }
    refs.exitScope(scope);
    heap.collector().collect(CollectionCause.EXPLICIT);
    return ids;
  }

  static byte[] snapshot(OffHeapManagedHeap heap) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    heap.snapshot(out);
    return out.toByteArray();
  }

  /** A frame around {@code body} with a good checksum: for structurally bad snapshots. */
  static byte[] framed(byte[] body) {
    byte[] header = SnapshotFormat.header();
    byte[] unsummed = Arrays.copyOf(header, header.length + body.length);
    System.arraycopy(body, 0, unsummed, header.length, body.length);
    return withChecksum(unsummed);
  }

  /** {@code unsummed} followed by its SHA-256. */
  static byte[] withChecksum(byte[] unsummed) {
    byte[] sha = SnapshotFormat.sha256().digest(unsummed);
    byte[] all = Arrays.copyOf(unsummed, unsummed.length + sha.length);
    System.arraycopy(sha, 0, all, unsummed.length, sha.length);
    return all;
  }

  /** The bytes as unsigned values: {@code bytes(0x89, 1)}. */
  static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }
}
