package dev.omega.mem.gc;

import dev.omega.mem.api.SnapshotFormatException;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.StateDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A heap's reachable state as a value: its digest, its snapshot, and a restore from one ({@link
 * OffHeapManagedHeap#digest()}, {@code snapshot}, {@code restore}).
 *
 * <p>Design note. All three share one canonical form: the {@link ReachableGraph} numbering and the
 * {@link StateEncoder} body, framed for a snapshot by {@link SnapshotFormat}. The digest is the
 * SHA-256 of the body, so the digest of a heap and of a snapshot's body agree.
 *
 * <ul>
 *   <li>Digest: walk and hash in one pause; nothing of the state is kept beyond the walk's arrays.
 *   <li>Snapshot: the walk and the encoding run in a pause, into {@link ChunkedBytes} (a copy of
 *       the state, about its payload bytes plus a few bytes per object and slot); the stream is
 *       written after the pause, and each chunk is let go once written. Writing inside the pause
 *       would need no copy but would stop every mutator for as long as the stream takes (a slow
 *       disk or socket); the copy costs memory for as long as the write takes instead, and never
 *       twice the state (chunks are never copied to grow).
 *   <li>Restore: the whole stream is read (refused past {@link #readLimit}, at which no heap of
 *       this capacity could be its source) and checked by {@link SnapshotReader} before anything is
 *       allocated. Memory follows the bytes that arrive, never a count the stream claims: the
 *       chunks, then one id per object (8 bytes; an object takes at least 2 stream bytes). Objects
 *       are then allocated in number order, each reachable from the start: the roots first (and
 *       their holds added, in order), and every other object right when the pass that writes
 *       references (through the heap's write path, so each collector's barrier sees them) first
 *       meets it, which the canonical numbering makes the moment it is next in line. So a
 *       collection that an allocation starts frees nothing of the restore, and none has to trace a
 *       scope holding every object so far (a young collection would rescan it each time). Each
 *       allocation sits in a scope of its own until it is linked. If anything fails on the way (out
 *       of memory), every root hold is removed and a full collection run, so the heap holds no
 *       object again before the failure is rethrown.
 * </ul>
 *
 * <p>Complexity: O(table slots + reachable objects + slots + payload bytes) for each; a restore
 * also O(root holds).
 *
 * <p>Thread safety: digest and snapshot are thread-safe (their reads run in a pause). A restore
 * runs on the calling thread through the mutator API; it expects no other thread to use the heap
 * meanwhile, since their objects would mix with the restored ones.
 */
final class HeapStates {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final CellSpace cells;
  private final RootSet roots;

  HeapStates(OffHeapManagedHeap heap, ObjectTable table, CellSpace cells, RootSet roots) {
    this.heap = heap;
    this.table = table;
    this.cells = cells;
    this.roots = roots;
  }

  StateDigest digest() {
    MessageDigest sha = SnapshotFormat.sha256();
    int objects;
    heap.lock.lock();
    try {
      heap.checkOpen();
      ReachableGraph graph = ReachableGraph.walk(heap, table, roots);
      StateEncoder.encode(graph, table, cells, (bytes, length) -> sha.update(bytes, 0, length));
      objects = graph.count();
    } finally {
      heap.lock.unlock();
    }
    return new StateDigest(sha.digest(), objects);
  }

  void snapshot(OutputStream out) {
    Objects.requireNonNull(out, "out is null");
    ChunkedBytes body = new ChunkedBytes();
    heap.lock.lock();
    try {
      heap.checkOpen();
      ReachableGraph graph = ReachableGraph.walk(heap, table, roots);
      StateEncoder.encode(graph, table, cells, (bytes, length) -> body.append(bytes, 0, length));
    } finally {
      heap.lock.unlock();
    }
    try {
      MessageDigest checksum = SnapshotFormat.sha256();
      byte[] header = SnapshotFormat.header();
      checksum.update(header);
      out.write(header);
      body.drainTo(out, checksum);
      out.write(checksum.digest());
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing the heap snapshot failed", e);
    }
  }

  /**
   * The most bytes a snapshot this heap could have been the source of may have: a heap object costs
   * at least {@link ObjectTable#HEADER_BYTES} plus 8 per slot and its payload, and its encoding at
   * most 8 bytes plus 5 per slot and its payload, plus 10 per root (a root is an object), so twice
   * the capacity is a generous bound.
   */
  private long readLimit() {
    return 2 * heap.capacityBytes() + SnapshotFormat.MIN_BYTES;
  }

  void restore(InputStream in) {
    Objects.requireNonNull(in, "in is null");
    heap.checkOpen();
    long held = heap.objectCount();
    if (held > 0) {
      throw new IllegalStateException(
          "a snapshot is restored into an empty heap, and this one holds " + held + " objects");
    }
    ChunkedBytes bytes;
    try {
      bytes = ChunkedBytes.readAll(in, readLimit());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the heap snapshot failed", e);
    }
    if (bytes == null) {
      throw new SnapshotFormatException(
          "snapshot is longer than any a heap of "
              + heap.capacityBytes()
              + " bytes could write: more than "
              + readLimit()
              + " bytes");
    }
    rebuild(SnapshotReader.check(bytes));
  }

  private void rebuild(SnapshotReader links) {
    HeapRefs refs = heap.refs();
    Restore restore = new Restore(links.twin(), new long[links.objectCount()]);
    // The thread stays running throughout, so that the scopes inside are cheap to open and close.
    int outer = refs.enterScope();
    int inner = 0;
    try {
      links.roots();
      for (int i = 0; i < links.rootCount(); i++) {
        int holds = links.rootHolds();
        inner = refs.enterScope();
        long root = restore.allocateNext();
        for (int h = 0; h < holds; h++) {
          refs.addRoot(root);
        }
        refs.exitScope(inner);
        inner = 0;
      }
      links.objects();
      for (int k = 0; k < restore.ids.length; k++) {
        int slots = links.readInt();
        int data = links.readInt();
        for (int i = 0; i < slots; i++) {
          int ref = links.readInt();
          if (ref == restore.allocated + 1) { // first met here: allocated now, linked at once
            inner = refs.enterScope();
            restore.allocateNext();
            heap.setId(restore.ids[k], i, restore.ids[ref - 1]);
            refs.exitScope(inner);
            inner = 0;
          } else if (ref != 0) {
            heap.setId(restore.ids[k], i, restore.ids[ref - 1]);
          }
        }
        links.skipPayload(data);
      }
    } catch (RuntimeException | Error e) {
      undo(refs, outer, inner, restore, Math.min(restore.allocated, links.rootCount()), e);
      throw e;
    }
    refs.exitScope(outer);
  }

  /** The objects of a restore so far, allocated in number order from their own reader. */
  private final class Restore {
    final SnapshotReader shapes;
    final long[] ids;
    int allocated;

    Restore(SnapshotReader shapes, long[] ids) {
      this.shapes = shapes;
      this.ids = ids;
      shapes.objects();
    }

    /** Allocates the next object in number order, with its payload; its references come later. */
    long allocateNext() {
      int slots = shapes.readInt();
      int data = shapes.readInt();
      long id = heap.allocateId(slots, data);
      ids[allocated++] = id;
      for (int i = 0; i < slots; i++) {
        shapes.readInt();
      }
      if (data > 0) {
        heap.withPayload(
            new HeapRef(heap, id),
            (block, base, size) -> {
              shapes.payload(
                  data,
                  (source, from, offset, length) ->
                      block.copyFrom(source, from, base + offset, length));
              return null;
            });
      }
      return id;
    }
  }

  /**
   * Takes back a restore that failed part way: the scopes it opened, every root hold it added (the
   * heap had none before, and roots are objects 0 to {@code roots - 1}), and then every object, by
   * a full collection.
   */
  private void undo(
      HeapRefs refs, int outer, int inner, Restore restore, int roots, Throwable failure) {
    try {
      if (inner != 0) {
        refs.exitScope(inner);
      }
      refs.exitScope(outer);
      for (int i = 0; i < roots; i++) {
        boolean held = true;
        while (held) {
          held = refs.removeRoot(restore.ids[i]);
        }
      }
      heap.collector().collect(CollectionCause.EXPLICIT);
    } catch (RuntimeException cleanup) {
      failure.addSuppressed(cleanup);
    }
  }
}
