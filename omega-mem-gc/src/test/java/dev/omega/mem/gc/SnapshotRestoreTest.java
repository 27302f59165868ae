package dev.omega.mem.gc;

import static dev.omega.mem.gc.StateGraphs.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.SnapshotFormatException;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.gc.StateGraphs.Graph;
import dev.omega.mem.gc.StateGraphs.Node;
import dev.omega.mem.spi.GarbageCollectorProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OffHeapManagedHeap#snapshot} and {@link OffHeapManagedHeap#restore}: the format, and every
 * way a restore is refused or fails, each leaving the heap empty and usable.
 */
class SnapshotRestoreTest {
  private final Graph graph = StateGraphs.random(25, 12);
  private final OffHeapManagedHeap source = StateGraphs.heap(new BuiltInCollectors.MarkSweep());
  private final OffHeapManagedHeap target = StateGraphs.heap(new BuiltInCollectors.Generational());

  @AfterEach
  void closeHeaps() {
    source.close();
    target.close();
  }

  private byte[] goodSnapshot() {
    StateGraphs.build(source, graph, 7);
    return StateGraphs.snapshot(source);
  }

  private void restore(OffHeapManagedHeap heap, byte[] snapshot) {
    heap.restore(new ByteArrayInputStream(snapshot));
  }

  /** Refused with a message containing {@code expected}, and the target still empty. */
  private void assertRefused(byte[] snapshot, String expected, String what) {
    SnapshotFormatException e =
        assertThrows(SnapshotFormatException.class, () -> restore(target, snapshot), what);
    assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    assertEquals(0, target.objectCount(), what);
  }

  /** The target, refused many times, still restores the good snapshot. */
  private void assertTargetRestores(byte[] good) {
    restore(target, good);
    assertEquals(source.digest(), target.digest());
    assertEquals(List.of(), target.verifyIntegrity());
  }

  @Test
  void snapshot_isMagicVersionTheDigestedBodyAndItsChecksum() {
    byte[] snapshot = goodSnapshot();
    int header = SnapshotFormat.HEADER_BYTES;
    assertArrayEquals(
        bytes(0x89, 'O', 'M', 'H', 'E', 'A', 'P', '\n', 0, 0, 0, 1),
        Arrays.copyOf(snapshot, header));
    byte[] body = Arrays.copyOfRange(snapshot, header, snapshot.length - 32);
    assertArrayEquals(source.digest().sha256(), SnapshotFormat.sha256().digest(body));
    assertArrayEquals(
        StateGraphs.withChecksum(Arrays.copyOf(snapshot, snapshot.length - 32)), snapshot);
  }

  /**
   * A 60-byte snapshot claiming 2^24 + 1 root holds would cost a restore that many collector
   * events; it is refused before anything is allocated.
   */
  @Test
  void restore_ofMoreRootHoldsThanTheLimit_isRefusedUnread() {
    byte[] crafted = StateGraphs.framed(StateGraphs.bytes(1, 1, 0, 0x81, 0x80, 0x80, 0x08, 0, 0));
    byte[] atTheLimit =
        StateGraphs.framed(StateGraphs.bytes(1, 1, 0, 0x80, 0x80, 0x80, 0x08, 0, 0));
    try (OffHeapManagedHeap heap = StateGraphs.heap(StateGraphs.collectors().get(2))) {
      SnapshotFormatException e =
          assertThrows(
              SnapshotFormatException.class,
              () -> heap.restore(new java.io.ByteArrayInputStream(crafted)));
      assertTrue(e.getMessage().contains("hold"), e.getMessage());
      assertEquals(0, heap.objectCount());
      heap.restore(new java.io.ByteArrayInputStream(atTheLimit)); // 2^24 holds: accepted
      assertEquals(1, heap.objectCount());
    }
  }

  @Test
  void restore_ofEveryTruncation_isRefusedAndTheHeapStaysEmpty() {
    byte[] good = goodSnapshot();
    for (int length = 0; length < good.length; length++) {
      byte[] truncated = Arrays.copyOf(good, length);
      assertThrows(
          SnapshotFormatException.class,
          () -> restore(target, truncated),
          "first " + length + " bytes");
      assertEquals(0, target.objectCount());
    }
    assertTargetRestores(good);
  }

  @Test
  void restore_ofEveryBitFlip_isRefusedAndTheHeapStaysEmpty() {
    byte[] good = goodSnapshot();
    for (int at = 0; at < good.length; at++) {
      for (int bit = 0; bit < 8; bit += at < 64 ? 1 : 3) {
        byte[] flipped = good.clone();
        flipped[at] ^= (byte) (1 << bit);
        assertThrows(
            SnapshotFormatException.class,
            () -> restore(target, flipped),
            "bit " + bit + " of byte " + at);
        assertEquals(0, target.objectCount());
      }
    }
    assertTargetRestores(good);
  }

  @Test
  void restore_ofAnotherVersion_isRefusedNamingIt() {
    byte[] snapshot = goodSnapshot();
    snapshot[11] = 2;
    assertRefused(
        StateGraphs.withChecksum(Arrays.copyOf(snapshot, snapshot.length - 32)),
        "unknown snapshot format version 2 (this library reads version 1)",
        "version 2");
  }

  @Test
  void restore_ofSomethingElse_isRefusedAsNotASnapshot() {
    assertRefused("{\"objects\": []}".getBytes(), "not a heap snapshot", "JSON");
    assertRefused(new byte[0], "truncated", "nothing");
    assertRefused(bytes(0x89, 'O', 'M'), "truncated", "part of the magic");
  }

  @Test
  void restore_ofCraftedBodiesWithGoodChecksums_isRefusedNamingTheProblem() {
    assertRefused(StateGraphs.framed(bytes(1, 1, 0, 1, 0, 0, 7)), "follow the last object", "tail");
    assertRefused(StateGraphs.framed(bytes(1, 1, 0, 1, 0, 5, 1)), "only 1 are left", "payload");
    assertRefused(StateGraphs.framed(bytes(1, 1, 0, 0, 0, 0)), "hold count is 0", "no holds");
    assertRefused(StateGraphs.framed(bytes(2, 1, 1, 1, 0, 0, 0, 0)), "names object 1", "root");
    assertRefused(StateGraphs.framed(bytes(1, 0, 0, 0)), "not reachable", "unrooted object");
    // Object 0 points at object 2 before object 1 was met: not the breadth-first numbering.
    assertRefused(
        StateGraphs.framed(bytes(3, 1, 0, 1, 2, 0, 3, 2, 0, 0, 0)),
        "the next object a breadth-first walk meets is 1",
        "numbering");
    assertRefused(StateGraphs.framed(bytes(1, 1, 0, 1, 1, 0, 2)), "more than 1", "ref range");
    assertRefused(StateGraphs.framed(bytes(1, 1, 0, 0x81, 0, 0, 0)), "not minimally", "overlong");
    assertRefused(
        StateGraphs.framed(bytes(1, 1, 0, 1, 0x80, 0x80, 0x08, 0, 0)), "more than 65536", "slots");
    // A hostile count: 2^28 objects in a 2-byte body is refused before anything is sized by it.
    assertRefused(StateGraphs.framed(bytes(0x80, 0x80, 0x80, 0x80, 0x01, 0)), "more than", "n");
    restore(target, StateGraphs.framed(bytes(1, 1, 0, 2, 0, 0)));
    assertEquals(1, target.objectCount(), "the well-formed one next to them");
  }

  @Test
  void restore_ofAStreamLongerThanTheHeapCouldHold_stopsReadingAndIsRefused() {
    try (OffHeapManagedHeap small =
        StateGraphs.heap(new BuiltInCollectors.MarkSweep(), 64 << 10, true)) {
      long[] read = new long[1];
      InputStream endless =
          new InputStream() {
            @Override
            public int read() {
              read[0]++;
              return 0;
            }
          };
      SnapshotFormatException e =
          assertThrows(SnapshotFormatException.class, () -> small.restore(endless));
      assertTrue(e.getMessage().contains("longer than any"), e.getMessage());
      assertTrue(read[0] < 8 * small.capacityBytes(), read[0] + " bytes read");
      assertEquals(0, small.objectCount());
    }
  }

  @Test
  void restore_intoAHeapThatHoldsObjects_isRefused() {
    byte[] good = goodSnapshot();
    StateGraphs.build(target, graph, 8);
    StateDigest before = target.digest();
    long objects = target.objectCount();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> restore(target, good));
    assertTrue(e.getMessage().contains("holds " + objects + " objects"), e.getMessage());
    assertEquals(before, target.digest());
    assertEquals(objects, target.objectCount());
  }

  @Test
  void restore_thatRunsOutOfMemory_leavesNoObjectOnEveryCollector() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // A chain with back edges, so a half-restored graph has cycles to collect.
      nodes.add(new Node(new byte[1000], new int[] {i + 1 < 400 ? i + 1 : -1, i / 2}));
    }
    StateGraphs.build(source, new Graph(nodes, List.<int[]>of(new int[] {0, 2})), 5);
    byte[] big = StateGraphs.snapshot(source);
    byte[] tiny = StateGraphs.framed(bytes(1, 1, 0, 1, 0, 0));
    for (GarbageCollectorProvider collector : StateGraphs.collectors()) {
      // Large enough that the snapshot is not refused unread, too small for its 410 kB of objects.
      try (OffHeapManagedHeap small = StateGraphs.heap(collector, 256 << 10, true)) {
        assertThrows(OutOfMemoryException.class, () -> restore(small, big), collector.name());
        assertEquals(0, small.objectCount(), collector.name());
        assertEquals(List.of(), small.verifyIntegrity(), collector.name());
        restore(small, tiny);
        assertEquals(1, small.digest().objects(), collector.name() + ": usable after");
      }
    }
  }

  @Test
  void restore_whenTheStreamFails_throwsUncheckedIoException() {
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("disk gone");
          }
        };
    assertThrows(UncheckedIOException.class, () -> target.restore(failing));
    assertEquals(0, target.objectCount());
  }

  @Test
  void snapshot_whenTheStreamFails_throwsUncheckedIoException() {
    StateGraphs.build(source, graph, 7);
    StateDigest before = source.digest();
    OutputStream failing =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }
        };
    assertThrows(UncheckedIOException.class, () -> source.snapshot(failing));
    assertEquals(before, source.digest());
  }

  @Test
  void digestSnapshotAndRestore_onAClosedHeap_areRefused() {
    source.close();
    assertThrows(IllegalStateException.class, source::digest);
    assertThrows(IllegalStateException.class, () -> StateGraphs.snapshot(source));
    assertThrows(
        IllegalStateException.class, () -> restore(source, StateGraphs.framed(bytes(0, 0))));
  }
}
