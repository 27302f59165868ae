package dev.omega.mem.gc;

/**
 * Writes the canonical encoding of a {@link ReachableGraph}: the <em>body</em> that {@link
 * OffHeapManagedHeap#digest()} hashes and a snapshot carries between its header and its checksum.
 *
 * <p>Design note. Every number is an unsigned LEB128 varint (7 bits a byte, low group first, high
 * bit set on all but the last byte, no needless trailing zero group), so the encoding of a state is
 * unique and small objects cost a few bytes; payloads are raw bytes. Layout (n objects, r roots):
 *
 * <pre>
 *   n  r
 *   r times:   number  holds                        root i is object i, held that many times
 *   n times:   slots  dataBytes  ref[slots]  payload[dataBytes]
 *                                ref = 0 for null, else the target's number + 1
 * </pre>
 *
 * Bytes go through a buffer of {@link #BUFFER} bytes to a {@link Sink}: a SHA-256 for the digest
 * (nothing of the state is kept), or the snapshot's chunks. One encoder serves both, so a
 * snapshot's body hashes to the digest of the heap it was taken from.
 *
 * <p>Complexity: O(reachable objects + slots + payload bytes); memory: the buffer.
 *
 * <p>Thread safety: confined; it reads cells, so it runs in the pause the graph was walked in.
 */
final class StateEncoder {
  static final int BUFFER = 64 << 10;

  /** Where full buffers go. */
  interface Sink {
    void accept(byte[] bytes, int length);
  }

  private final byte[] buffer = new byte[BUFFER];
  private int at;
  private final Sink sink;

  private StateEncoder(Sink sink) {
    this.sink = sink;
  }

  /** Encodes {@code graph} (walked in the pause the caller still holds) into {@code sink}. */
  static void encode(ReachableGraph graph, ObjectTable table, CellSpace cells, Sink sink) {
    StateEncoder out = new StateEncoder(sink);
    int n = graph.count();
    int r = graph.rootCount();
    out.varint(n);
    out.varint(r);
    for (int i = 0; i < r; i++) {
      out.varint(i);
      out.varint(graph.rootHolds(i));
    }
    for (int k = 0; k < n; k++) {
      int s = graph.slotOf(k);
      int slots = table.refSlotsAt(s);
      int data = table.dataAt(s);
      out.varint(slots);
      out.varint(data);
      for (int i = 0; i < slots; i++) {
        out.varint(graph.reference(k, i));
      }
      if (data > 0) {
        out.payload(cells, table.cellAt(s), (long) slots * 8, data);
      }
    }
    out.flush();
  }

  private void varint(int value) {
    if (BUFFER - at < 5) {
      flush();
    }
    int v = value;
    while ((v & ~0x7F) != 0) {
      buffer[at++] = (byte) (v | 0x80);
      v >>>= 7;
    }
    buffer[at++] = (byte) v;
  }

  private void payload(CellSpace cells, long address, long offset, int length) {
    long from = offset;
    int left = length;
    while (left > 0) {
      if (at == BUFFER) {
        flush();
      }
      int piece = Math.min(left, BUFFER - at);
      cells.copyOut(address, from, buffer, at, piece);
      at += piece;
      from += piece;
      left -= piece;
    }
  }

  private void flush() {
    if (at > 0) {
      sink.accept(buffer, at);
      at = 0;
    }
  }
}
