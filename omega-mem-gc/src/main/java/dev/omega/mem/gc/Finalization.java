package dev.omega.mem.gc;

import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.WeakHeapReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What happens to an object's watchers when it is freed: its cleanup callbacks are queued and its
 * weak references cleared.
 *
 * <p>Design note. Callbacks and weak references are kept in maps by table slot, beside the table
 * rather than in it: few objects have them, so the table only carries a flag per kind ({@link
 * ObjectTable#HAS_CALLBACKS}, {@link ObjectTable#HAS_WEAK_REFS}) and a free looks in the maps only
 * when one is set. A freed object's callbacks go on a pending list that runs at the end of the
 * pause (or of the mutator operation whose barrier freed it), on that thread, with the world still
 * stopped, so a callback may allocate. A lazy sweep clears the weak references of the objects it
 * will free when it begins, so none hands out an object already judged garbage.
 *
 * <p>Complexity: registering and freeing are O(1) expected; the start of a lazy sweep visits every
 * object that has weak references.
 *
 * <p>Thread safety: registrations run with the registering thread running, under {@link #lock};
 * frees, sweeps and the pending list run in pauses (or under the serial lock).
 */
final class Finalization {
  private static final System.Logger LOG = System.getLogger("omega.gc");

  private final ObjectTable table;

  /** Guards the maps and the extras flags against concurrent registrations. */
  private final Object lock = new Object();

  /** Callbacks and weak references by slot; under {@link #lock} (and read in pauses). */
  private final Map<Integer, List<Runnable>> callbacks = new HashMap<>();

  private final Map<Integer, List<WeakRef>> weakRefs = new HashMap<>();
  private final List<Runnable> pendingCallbacks = new ArrayList<>();
  private long callbackFailures;

  /**
   * True while {@link #runPending} runs, so that one a callback's allocation reaches returns at
   * once: the outer loop runs what the callback added.
   */
  private boolean runningCallbacks;

  Finalization(ObjectTable table) {
    this.table = table;
  }

  /** Registers {@code ref} as a weak reference to the object in table slot {@code s}. */
  void addWeakReference(int s, WeakRef ref) {
    synchronized (lock) {
      weakRefs.computeIfAbsent(s, k -> new ArrayList<>(1)).add(ref);
      table.setExtrasAt(s, table.extrasAt(s) | ObjectTable.HAS_WEAK_REFS);
    }
  }

  /** Registers {@code callback} to run when the object in table slot {@code s} is freed. */
  void addCallback(int s, Runnable callback) {
    synchronized (lock) {
      callbacks.computeIfAbsent(s, k -> new ArrayList<>(1)).add(callback);
      table.setExtrasAt(s, table.extrasAt(s) | ObjectTable.HAS_CALLBACKS);
    }
  }

  /**
   * The object in slot {@code s}, which has callbacks or weak references, is being freed: its
   * callbacks become pending and its weak references are cleared.
   */
  void freed(int s) {
    List<Runnable> cleanups = callbacks.remove(s);
    if (cleanups != null) {
      pendingCallbacks.addAll(cleanups);
    }
    List<WeakRef> weak = weakRefs.remove(s);
    if (weak != null) {
      for (WeakRef ref : weak) {
        ref.cleared = true;
      }
    }
  }

  /**
   * A lazy sweep of {@code gen} begins: the weak references to its objects not carrying {@code
   * liveMark} are cleared now, though the objects are freed later.
   */
  void clearWeakReferences(int gen, int liveMark) {
    if (weakRefs.isEmpty()) {
      return;
    }
    for (Map.Entry<Integer, List<WeakRef>> entry : weakRefs.entrySet()) {
      int s = entry.getKey();
      if (table.generationAt(s) == gen && table.markAt(s) != liveMark) {
        for (WeakRef ref : entry.getValue()) {
          ref.cleared = true;
        }
      }
    }
  }

  boolean hasPending() {
    return !pendingCallbacks.isEmpty();
  }

  /** Callback failures reported so far. */
  long failures() {
    return callbackFailures;
  }

  /** Runs the pending callbacks, and those they add; a failure is logged and counted. */
  void runPending() {
    if (runningCallbacks) {
      return;
    }
    runningCallbacks = true;
    try {
      drainPendingCallbacks();
    } finally {
      runningCallbacks = false;
    }
  }

  private void drainPendingCallbacks() {
    while (!pendingCallbacks.isEmpty()) {
      List<Runnable> batch = new ArrayList<>(pendingCallbacks);
      pendingCallbacks.clear();
      for (Runnable callback : batch) {
        try {
          callback.run();
        } catch (RuntimeException e) {
          callbackFailures++;
          LOG.log(System.Logger.Level.WARNING, "cleanup callback failed; collection continues", e);
        }
      }
    }
  }

  /** A weak reference made by {@link OffHeapManagedHeap#weakReference}. */
  static final class WeakRef implements WeakHeapReference {
    private final OffHeapManagedHeap heap;
    final long id;
    volatile boolean cleared;

    WeakRef(OffHeapManagedHeap heap, long id) {
      this.heap = heap;
      this.id = id;
    }

    /** With this thread running, so a pause that clears it is not under way. */
    @Override
    public HeapObject get() {
      Mutator m = heap.safepoints.current();
      boolean entered = heap.safepoints.enterOperation(m);
      try {
        return cleared || !heap.isLive(id) ? null : new HeapRef(heap, id);
      } finally {
        heap.safepoints.exitOperation(m, entered);
      }
    }
  }
}
