package dev.omega.mem.gc;

import dev.omega.mem.spi.HeapAccess;
import java.util.function.LongConsumer;

/**
 * The incremental marker that {@code incremental} and {@code generational} share: tri-colour
 * marking in bounded steps, kept correct between them by a Dijkstra insertion barrier.
 *
 * <p>Design note. Terms: a cycle's <em>mark</em> is the value a marked object carries in its mark
 * word (the collector's epoch, so bumping it unmarks everything); white = not carrying it; grey =
 * carrying it and on the grey stack; black = carrying it and scanned. The cycle covers generations
 * 0..{@link #upTo()}: objects above are where tracing stops, and are never shaded. A cycle:
 *
 * <ol>
 *   <li>{@link #start} (in a pause) shades the roots in range; the collector may push more before
 *       the first step (the generational collector's remembered objects' children);
 *   <li>{@link #step} (each in a pause of its own) pops grey objects and hands each to the
 *       collector's scan, which shades its children, until the stack is empty or the budget is
 *       spent;
 *   <li>{@link #finish} (in the last pause) shades the roots again (scopes opened since) and drains
 *       what is left, so nothing reachable is white; or {@link #abandon} drops the cycle.
 * </ol>
 *
 * <p>Between steps mutators run, and the collector's barriers keep the strong tri-colour invariant
 * (no black object points to a white one): every reference written and every new root is {@link
 * #shade shaded}, and objects allocated while marking are {@link #bornBlack born black}. A scan
 * shades every child in range, so at the end every reachable object in range carries the mark.
 *
 * <p>Thread safety. Barriers run on several mutator threads at once (the collectors declare {@code
 * CONCURRENT_MUTATORS}), so {@link #shade} checks the mark, then checks it again and pushes under
 * the grey stack's lock: an object is pushed once, and two threads never push at once. Everything
 * else ({@link #start}, {@link #step}, {@link #finish}, and a scan that pushes on {@link
 * #greyStack} directly) runs inside {@link HeapAccess#stopTheWorld}, with every mutator stopped;
 * the pause's handshake orders those writes before the barriers that read {@link #mark} and {@link
 * #upTo} afterwards.
 */
final class IncrementalMarker {
  /** Grey objects popped between two looks at the clock. */
  private static final int CLOCK_EVERY = 128;

  private final StepClock clock;

  private final HeapAccess heap;
  private final LongStack grey = new LongStack();
  private int mark;

  /** The oldest generation the cycle under way marks, or -1 when none is under way. */
  private int upTo = -1;

  /** Whether the cycle covers every generation, so a shade need not read the object's one. */
  private boolean everyGeneration;

  IncrementalMarker(HeapAccess heap, StepClock clock) {
    this.clock = clock;
    this.heap = heap;
  }

  /**
   * Starts a cycle marking generations 0..{@code upTo} with {@code mark}, and shades the roots in
   * them. Call inside a pause.
   */
  void start(int mark, int upTo) {
    this.mark = mark;
    this.upTo = upTo;
    this.everyGeneration = upTo >= heap.generations() - 1;
    grey.clear();
    heap.forEachRoot(this::shade);
  }

  /** Whether a cycle is under way (started and neither finished nor abandoned). */
  boolean isMarking() {
    return upTo >= 0;
  }

  /** The mark of the cycle under way, or of the last one. */
  int mark() {
    return mark;
  }

  /** The oldest generation the cycle under way marks, or -1. */
  int upTo() {
    return upTo;
  }

  /**
   * The barrier for a reference written or a root added while marking: greys {@code object} if it
   * is white and in range. Safe on several mutator threads at once.
   */
  void shade(long object) {
    if (heap.mark(object) != mark && (everyGeneration || heap.generation(object) <= upTo)) {
      synchronized (grey) {
        greyIfUnmarked(object);
      }
    }
  }

  /** The barrier for an allocation while marking: a new object has no children to scan. */
  void bornBlack(long object) {
    heap.setMark(object, mark);
  }

  /**
   * Marks and pushes {@code object} unless it carries the mark: an object enters the stack once.
   */
  private void greyIfUnmarked(long object) {
    if (heap.mark(object) != mark) {
      heap.setMark(object, mark);
      grey.push(object);
    }
  }

  /**
   * One bounded marking step: pops grey objects and passes each to {@code scan} until the stack is
   * empty or about {@code budgetNanos} are spent. Call inside a pause; returns true when the stack
   * is empty.
   */
  boolean step(LongConsumer scan, long budgetNanos) {
    long started = clock.nanoTime();
    int sinceCheck = 0;
    while (!grey.isEmpty()) {
      scan.accept(grey.pop());
      if (++sinceCheck == CLOCK_EVERY) {
        sinceCheck = 0;
        if (clock.nanoTime() - started > budgetNanos) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Ends the cycle: shades the roots again (scopes opened since the start), drains the stack with
   * {@code scan}, and stops shading. Call inside the last pause; every reachable object in range
   * then carries {@link #mark}.
   */
  void finish(LongConsumer scan) {
    heap.forEachRoot(this::shade);
    while (!grey.isEmpty()) {
      scan.accept(grey.pop());
    }
    upTo = -1;
  }

  /** Drops the cycle under way: nothing is grey and nothing is shaded any more. Call in a pause. */
  void abandon() {
    upTo = -1;
    grey.clear();
  }

  /**
   * The grey stack: for checks and tests that read it, and for a scan that pushes on it inside a
   * pause, which marks each object with {@link #mark} before pushing it, as {@link #shade} does.
   */
  LongStack greyStack() {
    return grey;
  }
}
