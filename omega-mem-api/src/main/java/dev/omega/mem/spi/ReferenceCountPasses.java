package dev.omega.mem.spi;

/**
 * Whole-generation passes for a reference-counting collector's cycle collection, granted through
 * {@link HeapAccess#capability} only to a collector with {@link
 * CollectorTraits.Trait#COUNTS_REFERENCES}: the heap keeps the bookkeeping they need (a log of
 * changed marks, the groups a pass found) only for such a collector, so no other collector's {@link
 * HeapAccess#setMark} pays for it.
 */
public interface ReferenceCountPasses {

  /**
   * The first step of trial deletion taken over a whole generation in one pass, as CPython's
   * collector takes it: sets the mark of every object of {@code generation} to {@code mark}, and
   * adds {@code delta} to the reference count of every object one of them references, once per
   * reference. With {@code -1}, what is left of each count of that generation is what holds the
   * object from outside it: roots, and objects of other generations. Equivalent to {@link
   * HeapAccess#forEachObjectInGeneration} with {@link HeapAccess#setMark}, {@link
   * HeapAccess#references} and {@link HeapAccess#addToReferenceCount}, without an id made and
   * checked per object and per reference, which is most of that walk's cost. Call inside {@link
   * HeapAccess#stopTheWorld}. O(objects and references of the generation).
   *
   * @throws IllegalStateException if a lazy sweep of {@code generation} is pending (its garbage
   *     still holds references that no count includes any more)
   */
  void addToReferencedCounts(int generation, int delta, int mark);

  /**
   * How many separate structures the objects of {@code generation} whose mark is not {@code
   * liveMark} make: the connected components of the graph of those objects and the references among
   * them, taken in either direction. For a cycle collector that frees its garbage with {@link
   * HeapAccess#sweep} and reports how many garbage groups it found; call it before that sweep,
   * inside {@link HeapAccess#stopTheWorld}. O(objects and references of the generation), by
   * union-find. Right after {@link #addToReferencedCounts} of the same generation, while no
   * reference or object has changed since, it is cheaper, because that pass joins the groups as it
   * reads the references: O(1) if no mark changed either; else a union-find step per object whose
   * mark changed, plus, only when some group is now partly live, a walk of the generation that
   * reads the references of that group's members.
   *
   * @throws IllegalStateException if a lazy sweep of {@code generation} is pending
   */
  long countGroups(int generation, int liveMark);

  /**
   * {@link HeapAccess#free} for the first {@code count} ids of {@code objects}, in one call: the
   * garbage a reference counter's cycle collection found. All are checked first; if one is not
   * live, is rooted or is listed twice, it throws {@link IllegalStateException} and frees none.
   * When they are at least half of their generation, the heap walks that generation's list once, as
   * {@link HeapAccess#sweep} does, instead of unlinking each object from its neighbours. Call
   * inside {@link HeapAccess#stopTheWorld}.
   *
   * @return the objects and bytes freed (moved is 0)
   */
  HeapAccess.Swept freeAll(long[] objects, int count);
}
