package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.ReferenceCountPasses;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code reference-counting} with synchronous cycle collection (Bacon &amp; Rajan 2001).
 *
 * <p>Design note. Counts live in the header's count word and include root holds, so an object is
 * garbage exactly when its count is 0 and no garbage cycle holds it. The barrier increments the new
 * target and decrements the old one. A count reaching 0 puts the object on the dead list, and an
 * allocation puts the new object on the zero-count list (ZCT) until a root hold or a reference
 * counts it; a count dropping to a non-zero value, or an object leaving either list with a non-zero
 * count, makes it a possible cycle root (colour purple, buffered): those are the only ways an
 * object can end up held by nothing but a garbage cycle. An object with no reference slots is never
 * buffered (green in the paper): it is on no cycle, and a garbage cycle holding it frees it.
 *
 * <p>Acyclic garbage is freed promptly, without a collection: each allocation first frees up to
 * {@link #FREES_PER_ALLOCATION} objects from the dead list (Weizenbaum's lazy freeing), and freeing
 * one decrements its children, which may join the list. So an allocation never pays for a whole
 * structure at once, garbage is freed up to eight times as fast as a program allocates, and it is
 * freed while it is still in the cache: binary-trees at depth 10 took a third of the time it took
 * when every free waited for a collection (whose cascade then walked tens of megabytes no longer in
 * the cache), and at depth 17 it runs with no collection at all. Collection:
 *
 * <ol>
 *   <li>Free the dead list and the ZCT through a work list, cascading the same way. On a threshold
 *       or background collection this stops when {@code max_pause_time} is spent and goes on at the
 *       next one; explicit and allocation-failure collections finish.
 *   <li>If {@code enable_cycle_detection}: trial deletion over the buffered candidates. MarkGray
 *       subtracts internal references from each candidate's subgraph; Scan restores (ScanBlack)
 *       what is still externally referenced and colours the rest white; CollectWhite frees white
 *       objects. O(N + E) over the candidates' subgraphs: two walks (MarkGray, Scan) and a pass
 *       over Scan's white list.
 *       <p>When the candidates are at least half of the objects, the same three phases run over the
 *       whole heap instead, as CPython's collector runs them over a generation: every object is a
 *       candidate, MarkGray is one pass of the heap ({@link
 *       ReferenceCountPasses#addToReferencedCounts}), Scan starts ScanBlack from each root (what a
 *       count holds beyond references is root holds, so after the pass the objects still counted
 *       are the roots), and CollectWhite is one {@link HeapAccess#sweep}. O(N + E) of the heap, but
 *       a pass costs a third of what a walk costs per object (no work list, no id checked per
 *       reference), and it joins the garbage groups as it reads the references, so when nothing is
 *       held the groups cost nothing more: a million objects of ring garbage took 65 ms from the
 *       candidates and 27–30 ms over the heap, while a few candidates in a large heap are far
 *       cheaper to walk from. With roots, ScanBlack blackens what they reach; the heap logs those
 *       marks, drops the pass's groups that turned wholly live and counts again only those that
 *       turned partly live (garbage that points at a live object), so the count of the same rings
 *       beside a rooted structure fell from 12 ms (a walk reading every reference again) to 0.5 ms.
 * </ol>
 *
 * A garbage group (what a collection adds to {@code cyclesFound}) is, from the candidates, a white
 * candidate that no earlier candidate's MarkGray reached; over the heap, a connected component of
 * the garbage ({@link ReferenceCountPasses#countGroups}). They agree on separate structures;
 * garbage that hangs off another garbage structure may count once over the heap and twice from the
 * candidates, by the order in which the candidates were buffered. {@link #detectCycles} reports
 * neither: a group may hold several cycles and the acyclic garbage they hold, which CollectWhite
 * frees with them, so its report comes from a {@link CycleCensus} of the strongly connected
 * components.
 *
 * <p>Mark word layout: bits 0-1 colour (BLACK 0, GRAY 1, WHITE 2, PURPLE 3), bit 2 buffered, bits
 * 3-31 during a cycle collection the object's entry in the edge cache ({@link #edges}). All work
 * lists are explicit stacks, so long chains need no recursion. CollectWhite is not a third walk, as
 * in the paper: Scan lists what it whitens, CollectWhite keeps those still white (a third walk cost
 * a sixth of a collection of a million ring objects), and the heap frees them with one {@link
 * ReferenceCountPasses#freeAll} call: freeing them one by one cost a third of the collection, most
 * of it unlinking each from its neighbours, which one walk of the list avoids when they are most of
 * the heap.
 */
final class ReferenceCountingCollector extends AbstractCollector {
  static final String NAME = "reference-counting";
  private static final int BLACK = 0;
  private static final int GRAY = 1;
  private static final int WHITE = 2;
  private static final int PURPLE = 3;
  private static final int COLOUR = 3;
  private static final int BUFFERED = 4;

  /** Objects born with count 0 and not rooted at birth: freed by the next collection if still 0. */
  private final LongStack zeroCounts = new LongStack();

  /**
   * Objects a decrement took to count 0: freed promptly, {@link #FREES_PER_ALLOCATION} at each
   * allocation, and whatever is left by the next collection.
   */
  private final LongStack dead = new LongStack();

  /**
   * Prompt frees per allocation: more than the one object an allocation adds, so a program's
   * garbage is freed at least as fast as it allocates, and few enough that no allocation pays for
   * freeing a large structure at once (a collection finishes those).
   */
  static final int FREES_PER_ALLOCATION = 8;

  private final LongStack candidates = new LongStack();
  private static final int MIN_PURGE_AT = 1 << 16;
  private int purgeCandidatesAt = MIN_PURGE_AT;

  // Work lists of trial deletion, kept between collections: one stack per cycle root made a
  // collection of a million small cycles allocate hundreds of megabytes of Java garbage.
  private final LongStack cycleRoots = new LongStack();

  /**
   * What Scan whitened; CollectWhite keeps the ones still white and frees them with one {@link
   * ReferenceCountPasses#freeAll} call. Scan whitens an object at most once (only grey ones), so no
   * entry is listed twice.
   */
  private final LongStack white = new LongStack();

  private final LongStack work = new LongStack();
  private final LongStack blackWork = new LongStack();
  private final LongStack childWork = new LongStack();

  /**
   * Edge cache of one cycle collection: for each object MarkGray greys, its child count and then
   * the children's ids. The object's mark word keeps the entry's index + 1 above the colour and
   * buffered bits (0: not cached, when the cache is full), so Scan, ScanBlack and CollectWhite,
   * which walk the same subgraph while the world is stopped, read each object's slots once instead
   * of three times. Cleared at the start of each collection; O(N + E) of the subgraph.
   */
  private final LongStack edges = new LongStack();

  private static final int EDGES_SHIFT = 3;
  private static final int MAX_EDGE_INDEX = (1 << (32 - EDGES_SHIFT)) - 2;

  /** Which form of trial deletion a cycle collection runs. */
  enum TrialDeletion {
    /** Over the heap when candidates are at least half of the objects, else from candidates. */
    ADAPTIVE,
    FROM_CANDIDATES,
    OVER_THE_HEAP
  }

  private final TrialDeletion trialDeletion;

  /** The whole-generation passes the heap grants a collector that counts references. */
  private final ReferenceCountPasses passes;

  ReferenceCountingCollector(GarbageCollectorConfig config, HeapAccess heap) {
    this(config, heap, TrialDeletion.ADAPTIVE);
  }

  /** With one form of trial deletion fixed: for tests, which must cover both. */
  ReferenceCountingCollector(
      GarbageCollectorConfig config, HeapAccess heap, TrialDeletion trialDeletion) {
    super(NAME, config, heap, 1);
    this.trialDeletion = trialDeletion;
    this.passes =
        heap.capability(ReferenceCountPasses.class)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "reference-counting needs the heap's ReferenceCountPasses, granted to"
                            + " collectors with the COUNTS_REFERENCES trait"));
  }

  /**
   * Counts include root holds, so each object's count must be its incoming references from live
   * objects, plus at least one if it is a root (a root may be held more than once), and exactly
   * that when it is not a root.
   */
  @Override
  protected void verifyOwnState(List<String> problems) {
    Map<Long, Integer> incoming = new HashMap<>();
    heap.forEachObject(
        object -> {
          for (int slot = 0; slot < heap.referenceSlots(object); slot++) {
            long target = heap.reference(object, slot);
            if (target != 0) {
              incoming.merge(target, 1, Integer::sum);
            }
          }
        });
    Set<Long> roots = new HashSet<>();
    heap.forEachRoot(roots::add);
    heap.forEachObject(
        object -> {
          int references = incoming.getOrDefault(object, 0);
          int count = heap.referenceCount(object);
          boolean rooted = roots.contains(object);
          if (rooted ? count < references + 1 : count != references) {
            problems.add(
                "object "
                    + object
                    + " has reference count "
                    + count
                    + " but "
                    + references
                    + " references"
                    + (rooted ? " and is a root" : ""));
          }
        });
  }

  // ------------------------------------------------------------------ barrier (under heap lock)

  @Override
  public void onAllocate(long object) {
    if (!dead.isEmpty()) {
      freePromptly(FREES_PER_ALLOCATION);
    }
    zeroCounts.push(object); // on top, for onRootAdded
  }

  /**
   * Frees up to {@code most} objects from {@link #dead}, cascading (a child whose count drops to 0
   * joins the list), and counts them as freed outside collections. Runs in the allocation's
   * barrier, under the heap lock, like every other barrier.
   */
  private void freePromptly(int most) {
    long objects = 0;
    long bytes = 0;
    while (objects < most && !dead.isEmpty()) {
      long freed = freeIfUnreferenced(dead.pop());
      if (freed >= 0) {
        objects++;
        bytes += freed;
      }
    }
    counters().freedPromptly(objects, bytes);
  }

  /**
   * Frees {@code object} if it is still live with count 0, after decrementing its children; returns
   * the bytes freed, or -1 if it was not freed. One that was referenced again since its count
   * reached zero (or since it was born) may now hang in a garbage cycle that no decrement will ever
   * report, so it becomes a cycle candidate.
   */
  private long freeIfUnreferenced(long object) {
    if (!heap.isLive(object)) {
      return -1;
    }
    if (heap.referenceCount(object) != 0) {
      possibleRoot(object);
      return -1;
    }
    LongStack children = children(object);
    for (int i = 0; i < children.size(); i++) {
      long child = children.get(i);
      if (child != object) {
        decrement(child);
      }
    }
    return heap.free(object);
  }

  @Override
  public void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {
    if (newTarget != 0) {
      increment(newTarget);
    }
    if (oldTarget != 0) {
      decrement(oldTarget);
    }
  }

  @Override
  public void onRootAdded(long object) {
    int count = increment(object);
    // The common birth: allocated in a scope, so rooted at once. Its zero-count entry from
    // onAllocate is on top, and it can go: the root hold will only ever leave through a
    // decrement, which frees or buffers it. (Only a root may do this: an object first counted by
    // a reference could close a garbage cycle that no decrement ever reports.)
    if (count == 1 && !zeroCounts.isEmpty() && zeroCounts.peek() == object) {
      zeroCounts.pop();
    }
  }

  @Override
  public void onRootRemoved(long object) {
    decrement(object);
  }

  /** Counts one more reference (black: in use); returns the new count. */
  private int increment(long object) {
    int count = heap.addToReferenceCount(object, 1);
    heap.setMark(object, heap.mark(object) & ~COLOUR);
    return count;
  }

  private void decrement(long object) {
    int count = heap.addToReferenceCount(object, -1);
    if (count == 0) {
      dead.push(object);
    } else {
      possibleRoot(object);
    }
  }

  private void possibleRoot(long object) {
    if (heap.referenceSlots(object) == 0) {
      // No slots, so on no cycle (Bacon & Rajan's green objects): a garbage cycle that holds it
      // reaches it from its own candidates and frees it with itself.
      return;
    }
    int m = heap.mark(object);
    if ((m & BUFFERED) == 0) {
      if (candidates.size() >= purgeCandidatesAt) {
        purgeCandidates();
      }
      candidates.push(object);
    }
    heap.setMark(object, PURPLE | BUFFERED);
  }

  /**
   * Drops candidates that can no longer root a garbage cycle: freed since they were buffered, or
   * incremented back to black. Without this, a program that keeps bounded work from finishing (so
   * cycle collection never runs) buffered the ids of millions of freed objects: binary-trees at
   * depth 20 ran the JVM out of heap. Run when the buffer doubles, so O(1) amortised per candidate.
   */
  private void purgeCandidates() {
    int kept = 0;
    for (int i = 0; i < candidates.size(); i++) {
      long c = candidates.get(i);
      if (!heap.isLive(c)) {
        continue;
      }
      int m = heap.mark(c);
      if ((m & COLOUR) == PURPLE) {
        candidates.set(kept++, c);
      } else {
        heap.setMark(c, m & ~BUFFERED);
      }
    }
    candidates.truncate(kept);
    purgeCandidatesAt = Math.max(MIN_PURGE_AT, kept * 2);
  }

  /** Entries on the zero-count list, for tests. */
  int zeroCountSize() {
    return zeroCounts.size();
  }

  /** Objects a decrement left at count 0 that are not freed yet, for tests. */
  int deadCount() {
    return dead.size();
  }

  /** Buffered cycle candidates, for tests. */
  int candidateCount() {
    return candidates.size();
  }

  @Override
  public boolean wantsCollection() {
    return zeroCounts.size() + dead.size() > 100_000;
  }

  // ------------------------------------------------------------------ collection

  @Override
  protected boolean collectNow(CollectionCause cause) {
    boolean bounded = cause == CollectionCause.THRESHOLD || cause == CollectionCause.BACKGROUND;
    long budget = bounded ? config.maxPauseTime().toNanos() : Long.MAX_VALUE;
    Long cycles =
        pauseFor(
            () -> {
              long started = clock.nanoTime();
              boolean finished = freeZeroCounts(started, budget);
              return finished && config.enableCycleDetection() ? collectCycles() : 0L;
            });
    counters().cyclesFound(cycles == null ? 0 : cycles); // null: the heap closed, nothing ran
    counters().collected(0);
    return true;
  }

  /**
   * Frees what the counts left at zero, then runs trial deletion whatever {@code
   * enable_cycle_detection} says (the program asked for it). Its groups are not reported: {@link
   * #detectCycles} counts the cycles its census found freed.
   */
  @Override
  protected void freeGarbageCycles() {
    pause(
        () -> {
          freeZeroCounts(clock.nanoTime(), Long.MAX_VALUE);
          collectCycles();
        });
  }

  /**
   * Frees what decrements left at count 0 and the births still at 0, with cascading; false if the
   * budget ran out first.
   */
  private boolean freeZeroCounts(long started, long budget) {
    int sinceCheck = 0;
    while (!dead.isEmpty() || !zeroCounts.isEmpty()) {
      if (++sinceCheck == 256) {
        sinceCheck = 0;
        if (clock.nanoTime() - started > budget) {
          return false;
        }
      }
      long freed = freeIfUnreferenced(dead.isEmpty() ? zeroCounts.pop() : dead.pop());
      if (freed >= 0) {
        counters().freed(1, freed);
      }
    }
    return true;
  }

  /**
   * Whether this cycle collection takes the whole heap: when candidates are at least half of the
   * objects, their subgraphs are most of the heap, and two walks of them cost more than a pass over
   * every object and one walk of what is still held.
   */
  private boolean overTheHeap() {
    if (heap.objectsInGeneration(0) != heap.objectCount()) {
      return false; // the passes take generation 0, where this collector leaves every object
    }
    return switch (trialDeletion) {
      case FROM_CANDIDATES -> false;
      case OVER_THE_HEAP -> true;
      case ADAPTIVE -> (long) candidates.size() * 2 >= heap.objectCount();
    };
  }

  /**
   * Trial deletion with every object as a candidate, in passes over the heap rather than walks from
   * candidates (CPython's form of the algorithm): MarkGray is one pass that greys every object and
   * takes every reference between objects off its target's count; Scan runs ScanBlack from the
   * roots, the only objects still counted, which gives back the counts of everything they reach;
   * CollectWhite is one sweep of what stayed grey. The garbage groups are its connected components.
   * Returns how many.
   */
  private long collectCyclesOverTheHeap() {
    // Every mark is rewritten (grey, without the buffered bit), so the buffer just empties.
    candidates.clear();
    purgeCandidatesAt = MIN_PURGE_AT;
    passes.addToReferencedCounts(0, -1, GRAY);
    // What is left of a count is what holds the object from outside the heap's objects, and
    // counts include root holds and nothing else: the objects still counted are the roots. Visiting
    // the roots finds them without a second pass over the heap (2 ms of a million objects).
    LongStack held = cycleRoots;
    held.clear();
    heap.forEachRoot(held::push);
    for (int i = 0; i < held.size(); i++) {
      long object = held.get(i);
      if ((heap.mark(object) & COLOUR) != BLACK) {
        scanBlack(object);
      }
    }
    long groups = passes.countGroups(0, BLACK);
    sweepGeneration(0, BLACK, 0);
    return groups;
  }

  /** Trial deletion over the candidate buffer; returns garbage groups found. */
  private long collectCycles() {
    if (overTheHeap()) {
      return collectCyclesOverTheHeap();
    }
    LongStack roots = cycleRoots;
    roots.clear();
    white.clear();
    edges.clear();
    // MarkRoots
    for (int i = 0; i < candidates.size(); i++) {
      long s = candidates.get(i);
      if (!heap.isLive(s)) {
        continue;
      }
      int m = heap.mark(s);
      if ((m & COLOUR) == PURPLE && heap.referenceCount(s) > 0) {
        markGray(s);
        roots.push(s);
      } else {
        heap.setMark(s, m & ~BUFFERED);
      }
    }
    candidates.clear();
    purgeCandidatesAt = MIN_PURGE_AT;
    // ScanRoots
    for (int i = 0; i < roots.size(); i++) {
      scan(roots.get(i));
    }
    // CollectRoots. A root that Scan left white is the head of one garbage group: every other
    // white object is reachable from such a root through white objects only (whatever Scan
    // whitened below an object ScanBlack later blackened was blackened with it), and no white root
    // is reachable from an earlier root, or that root's MarkGray would have greyed it first.
    long groups = 0;
    for (int i = 0; i < roots.size(); i++) {
      long s = roots.get(i);
      int m = heap.mark(s) & ~BUFFERED;
      heap.setMark(s, m);
      if ((m & COLOUR) == WHITE) {
        groups++;
      }
    }
    // The garbage is what Scan whitened and nothing blackened since, so CollectWhite is a filter
    // over Scan's list rather than a third walk of the subgraph. Edges from the garbage into
    // objects that stay were taken off their counts by MarkGray and not given back (only black
    // objects' edges are), which is right: those objects lose them with the garbage. Their counts
    // stay positive (an object is black only if its count was, or a black parent gave one back),
    // and the garbage's own counts are zero (Scan whitens only those), so no count needs fixing.
    int kept = 0;
    for (int i = 0; i < white.size(); i++) {
      long object = white.get(i);
      if ((heap.mark(object) & COLOUR) == WHITE) {
        white.set(kept++, object);
      }
    }
    white.truncate(kept);
    counters().swept(passes.freeAll(white.elements(), white.size()));
    white.clear();
    freeZeroCounts(clock.nanoTime(), Long.MAX_VALUE);
    return groups;
  }

  /**
   * MarkGray from {@code root}: greys its subgraph, takes every internal reference off its target's
   * count, and records each grey object's children in {@link #edges}, so that Scan and CollectWhite
   * read them there instead of through the heap again.
   */
  private void markGray(long root) {
    LongStack stack = work;
    stack.clear();
    stack.push(root);
    while (!stack.isEmpty()) {
      long s = stack.pop();
      int m = heap.mark(s);
      if ((m & COLOUR) == GRAY) {
        continue;
      }
      int at = edges.size();
      boolean cached = at < MAX_EDGE_INDEX;
      LongStack into = cached ? edges : childWork;
      if (cached) {
        edges.push(0); // the number of children, set below
      } else {
        childWork.clear();
      }
      int from = into.size();
      int children = pushChildren(s, into);
      if (cached) {
        edges.set(at, children);
      }
      for (int k = from; k < from + children; k++) {
        long t = into.get(k);
        heap.addToReferenceCount(t, -1);
        stack.push(t);
      }
      heap.setMark(s, (m & BUFFERED) | GRAY | (cached ? (at + 1) << EDGES_SHIFT : 0));
    }
  }

  /**
   * Pushes the children of {@code s} (mark {@code m}, grey or white in this collection) on {@code
   * stack}, from the edge cache when MarkGray could record them. Nothing is freed before
   * CollectWhite, so every cached child is still live.
   */
  private void pushCachedChildren(long s, int m, LongStack stack) {
    int ref = m >>> EDGES_SHIFT;
    if (ref != 0) {
      int at = ref - 1;
      int children = (int) edges.get(at);
      for (int k = 1; k <= children; k++) {
        stack.push(edges.get(at + k));
      }
    } else {
      pushChildren(s, stack);
    }
  }

  private void scan(long root) {
    LongStack stack = work;
    stack.clear();
    stack.push(root);
    while (!stack.isEmpty()) {
      long s = stack.pop();
      int m = heap.mark(s);
      if ((m & COLOUR) != GRAY) {
        continue;
      }
      if (heap.referenceCount(s) > 0) {
        scanBlack(s);
      } else {
        heap.setMark(s, (m & ~COLOUR) | WHITE);
        white.push(s);
        pushCachedChildren(s, m, stack);
      }
    }
  }

  /** Restores the counts of what {@code root} (grey, still referenced) reaches, blackening it. */
  private void scanBlack(long root) {
    LongStack stack = blackWork;
    stack.clear();
    heap.setMark(root, (heap.mark(root) & ~COLOUR) | BLACK);
    stack.push(root);
    LongStack children = childWork;
    while (!stack.isEmpty()) {
      long s = stack.pop();
      children.clear();
      pushCachedChildren(s, heap.mark(s), children);
      for (int k = 0; k < children.size(); k++) {
        long t = children.get(k);
        heap.addToReferenceCount(t, 1);
        int m = heap.mark(t);
        if ((m & COLOUR) != BLACK) {
          heap.setMark(t, (m & ~COLOUR) | BLACK);
          stack.push(t);
        }
      }
    }
  }
}
