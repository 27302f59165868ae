package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import java.util.List;

/**
 * {@code mark-sweep}: stop-the-world whole-heap tracing, the baseline and the fallback of the
 * others.
 *
 * <p>Mark: every object reachable from the roots gets the current epoch in its mark word, with an
 * explicit stack (no recursion, so a list of a million objects is fine). Sweep: every object whose
 * mark is not the epoch is freed. Epochs make clearing marks free: bumping the epoch unmarks
 * everything. O(live + edges) to mark and O(objects) to sweep; one pause.
 *
 * <p>Between collections, then, every object carries the last epoch (it survived) or 0 (the heap
 * gives a new object mark 0, and the epoch skips 0); the objects carrying the epoch are what was
 * reachable when the last collection ended, so they stay reachable until a mutator drops a
 * reference or a root hold. {@link #verifyOwnState} checks both.
 */
final class MarkSweepCollector extends AbstractCollector {
  static final String NAME = "mark-sweep";
  private int epoch;
  private final LongStack stack = new LongStack();

  /**
   * Whether a reference was overwritten or a root hold dropped since the last collection: only that
   * can make an object it marked unreachable. Written by the barriers and the pause, both under the
   * heap lock.
   */
  private boolean graphShrankSinceCollection;

  MarkSweepCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, 1);
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (oldTarget != 0) {
      if (!graphShrankSinceCollection) {
        graphShrankSinceCollection = true; // written once: mutators on two cores only read the line
      }
    }
  }

  @Override
  public void onRootRemoved(long object) {
    if (!graphShrankSinceCollection) {
      graphShrankSinceCollection = true;
    }
  }

  @Override
  protected boolean collectNow(CollectionCause cause) {
    pause(this::markAndSweep);
    counters().collected(0);
    return true;
  }

  private void markAndSweep() {
    int current = ++epoch == 0 ? ++epoch : epoch;
    stack.clear();
    heap.forEachRoot(stack::push);
    while (!stack.isEmpty()) {
      long object = stack.pop();
      if (heap.mark(object) == current) {
        continue;
      }
      heap.setMark(object, current);
      pushChildren(object, stack); // marked ones are skipped when popped
    }
    sweepUnmarked(current);
    graphShrankSinceCollection = false;
  }

  /**
   * The mark stack is empty (marking ran to the end); every object carries the last epoch or 0 (the
   * sweep judged every object it saw); and, while the graph has only grown since the last
   * collection, every object carrying the epoch is reachable (marking marked nothing beyond what
   * the roots reach). A dropped reference or root hold leaves marked garbage that the next
   * collection frees, so the last is checked only while none was dropped.
   */
  @Override
  protected void verifyOwnState(List<String> problems) {
    if (!stack.isEmpty()) {
      problems.add(stack.size() + " objects are left on the mark stack between collections");
    }
    verifySweptMarks(epoch, problems);
    if (epoch != 0 && !graphShrankSinceCollection) {
      verifyMarkedAreReachable(problems);
    }
  }

  private void verifyMarkedAreReachable(List<String> problems) {
    LongHashSet reached = reachableFromRoots();
    long[] unreached = new long[2]; // how many, and the first one's id
    heap.forEachObject(
        object -> {
          if (heap.mark(object) == epoch && !reached.contains(object) && unreached[0]++ == 0) {
            unreached[1] = object;
          }
        });
    if (unreached[0] > 0) {
      problems.add(
          unreached[0]
              + " objects carry the last collection's mark but no root reaches them, though no"
              + " reference or root hold has been dropped since; the first: object "
              + unreached[1]);
    }
  }

  /** The mark stack, for tests that leave work on it as a broken marker would. */
  LongStack markStack() {
    return stack;
  }
}
