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
 *       chunks, then one id per object (8 bytes; an object takes at least 2 stream bytes). Then the
 *       objects are allocated in number order inside a scope (so a collection that an allocation
 *       starts frees none), their payloads written, their references written through the heap's own
 *       write path (so each collector's barrier sees them), and the roots added, in order, hold by
 *       hold. If anything fails on the way (out of memory), the roots added are removed, the scope
 *       closed and a full collection run, so the heap holds no object again before the failure is
 *       rethrown.
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

  private void rebuild(SnapshotReader snapshot) {
    HeapRefs refs = heap.refs();
    long[] ids = new long[snapshot.objectCount()];
    int scope = refs.enterScope();
    int rootsDone = 0;
    try {
      allocateObjects(snapshot, ids);
      writeReferences(snapshot, ids);
      snapshot.roots();
      for (; rootsDone < snapshot.rootCount(); rootsDone++) {
        int holds = snapshot.rootHolds();
        for (int h = 0; h < holds; h++) {
          refs.addRoot(ids[rootsDone]);
        }
      }
    } catch (RuntimeException | Error e) {
      undo(refs, scope, ids, rootsDone, e);
      throw e;
    }
    refs.exitScope(scope);
  }

  private void allocateObjects(SnapshotReader snapshot, long[] ids) {
    snapshot.objects();
    for (int k = 0; k < ids.length; k++) {
      int slots = snapshot.readInt();
      int data = snapshot.readInt();
      long id = heap.allocateId(slots, data);
      ids[k] = id;
      for (int i = 0; i < slots; i++) {
        snapshot.readInt(); // references come in the second pass, once every target exists
      }
      if (data > 0) {
        heap.withPayload(
            new HeapRef(heap, id),
            (block, base, size) -> {
              snapshot.payload(
                  data,
                  (source, from, offset, length) ->
                      block.copyFrom(source, from, base + offset, length));
              return null;
            });
      }
    }
  }

  private void writeReferences(SnapshotReader snapshot, long[] ids) {
    snapshot.objects();
    for (long id : ids) {
      int slots = snapshot.readInt();
      int data = snapshot.readInt();
      for (int i = 0; i < slots; i++) {
        int ref = snapshot.readInt();
        if (ref != 0) {
          heap.setId(id, i, ids[ref - 1]);
        }
      }
      snapshot.skipPayload(data);
    }
  }

  /**
   * Takes back a restore that failed part way: every root hold it added (the heap had none before),
   * the scope, and then every object, by a full collection.
   */
  private void undo(HeapRefs refs, int scope, long[] ids, int rootsDone, Throwable failure) {
    try {
      for (int i = 0; i <= rootsDone && i < ids.length; i++) {
        boolean held = ids[i] != 0;
        while (held) {
          held = refs.removeRoot(ids[i]);
        }
      }
      refs.exitScope(scope);
      heap.collector().collect(CollectionCause.EXPLICIT);
    } catch (RuntimeException cleanup) {
      failure.addSuppressed(cleanup);
    }
  }
}
