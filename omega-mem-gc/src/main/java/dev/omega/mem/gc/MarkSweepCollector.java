package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;

/**
 * {@code mark-sweep}: stop-the-world whole-heap tracing, the baseline and the fallback of the
 * others.
 *
 * <p>Mark: every object reachable from the roots gets the current epoch in its mark word, with an
 * explicit stack (no recursion, so a list of a million objects is fine). Sweep: every object whose
 * mark is not the epoch is freed. Epochs make clearing marks free: bumping the epoch unmarks
 * everything. O(live + edges) to mark and O(objects) to sweep; one pause.
 */
final class MarkSweepCollector extends AbstractCollector {
  static final String NAME = "mark-sweep";
  private int epoch;
  private final LongStack stack = new LongStack();

  MarkSweepCollector(GarbageCollectorConfig config, HeapAccess heap) {
    super(NAME, config, heap, 1);
  }

  @Override
  protected boolean collectNow(CollectionCause cause) {
    pause(this::markAndSweep);
    collectionsPerGeneration[0]++;
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
  }
}
