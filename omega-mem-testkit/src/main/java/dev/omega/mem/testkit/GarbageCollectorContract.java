package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.WeakHeapReference;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.ManagedHeapProvider;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract every collector passes, built-in or user-written. After a full collection exactly
 * the unreachable objects are gone, and every reachable one is intact, contents included; the
 * heap's invariants are checked after every test.
 *
 * <p>To run it on your collector, add {@code omega-mem-testkit} and {@code omega-mem-gc} (the heap)
 * as test dependencies, subclass this and return your provider:
 *
 * <pre>{@code
 * class MyCollectorTest extends GarbageCollectorContract {
 *   protected GarbageCollectorProvider provider() { return new MyCollectorProvider(); }
 * }
 * }</pre>
 *
 * The heap comes from the {@link ManagedHeapProvider} that {@link ServiceLoader} finds, over an
 * {@link ArrayMemoryManager}, so the test needs neither the pool nor the runtime.
 */
public abstract class GarbageCollectorContract {
  protected ArrayMemoryManager manager;
  protected ManagedHeap heap;

  /** For a collector's contract test, which names the provider under test. */
  protected GarbageCollectorContract() {}

  protected abstract GarbageCollectorProvider provider();

  protected GarbageCollectorConfig config() {
    return GarbageCollectorConfig.builder()
        .collectionStrategy(provider().name())
        .maxPauseTime(Duration.ofMillis(5))
        .build();
  }

  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  @BeforeEach
  public void createHeap() {
    manager = invariants.track(newManager());
    heap = invariants.track(newHeap(config(), manager));
    invariants.closeAfter(
        () -> {
          heap.close();
          assertEquals(0, manager.liveBlocks(), "heap returned every block on close");
        });
  }

  /**
   * The manager the heap takes its memory from: by default one that lends its blocks' bytes, as the
   * pool does ({@link dev.omega.mem.spi.PinnedMemory}).
   */
  protected ArrayMemoryManager newManager() {
    return new ArrayMemoryManager(256L << 20);
  }

  /**
   * A heap over {@code manager} collected by {@link #provider()}: by default from the one {@link
   * ManagedHeapProvider} on the class path.
   */
  protected ManagedHeap newHeap(GarbageCollectorConfig config, MemoryManager manager) {
    ManagedHeapProvider heaps =
        ServiceLoader.load(ManagedHeapProvider.class)
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no ManagedHeapProvider on the class path: add omega-mem-gc as a test"
                            + " dependency"));
    return heaps.create(config, manager, provider());
  }

  /**
   * How many cleanup callbacks have thrown in {@code heap}, where the heap tells; empty (the check
   * is skipped) otherwise. The public API reports such failures in the log, not as a count.
   */
  protected OptionalLong callbackFailures(ManagedHeap heap) {
    return OptionalLong.empty();
  }

  private HeapObject node(int slots, long tag) {
    HeapObject o = heap.allocate(slots, 8);
    o.data().setLong(0, tag);
    return o;
  }

  private void collect() {
    assertTrue(heap.collector().forceCollection());
  }

  @Test
  public void chain_rootedStaysIntact_unrootedIsCollected() {
    HeapObject head = node(1, 0);
    heap.addRoot(head);
    HeapObject prev = head;
    for (int i = 1; i < 100; i++) {
      HeapObject next = node(1, i);
      heap.setReference(prev, 0, next);
      prev = next;
    }
    collect();
    assertEquals(100, heap.objectCount());
    HeapObject at = head;
    for (int i = 0; i < 100; i++) {
      assertEquals(i, at.data().getLong(0));
      at = heap.getReference(at, 0);
    }
    assertNull(at);
    assertTrue(heap.removeRoot(head));
    collect();
    assertEquals(0, heap.objectCount());
    assertFalse(head.isLive());
  }

  @Test
  public void tree_subtreeCutOffIsCollected() {
    HeapObject root = node(2, 1);
    heap.addRoot(root);
    HeapObject left = buildTree(6);
    HeapObject right = buildTree(6);
    heap.setReference(root, 0, left);
    heap.setReference(root, 1, right);
    collect();
    assertEquals(1 + 2 * 127, heap.objectCount());
    heap.setReference(root, 1, null);
    collect();
    assertEquals(1 + 127, heap.objectCount());
    assertFalse(right.isLive());
    assertTrue(left.isLive());
    heap.removeRoot(root);
  }

  private HeapObject buildTree(int depth) {
    HeapObject n = node(2, depth);
    if (depth > 0) {
      heap.setReference(n, 0, buildTree(depth - 1));
      heap.setReference(n, 1, buildTree(depth - 1));
    }
    return n;
  }

  @Test
  public void cycles_selfTwoAndLong_areCollectedWhenUnreachable() {
    try (HeapScope building = heap.openScope()) {
      buildCycles();
    }
    collect();
    assertEquals(0, heap.objectCount());
  }

  private void buildCycles() {
    HeapObject self = node(1, 1);
    heap.setReference(self, 0, self);
    HeapObject a = node(1, 2);
    HeapObject b = node(1, 3);
    heap.setReference(a, 0, b);
    heap.setReference(b, 0, a);
    HeapObject first = node(1, 0);
    HeapObject prev = first;
    for (int i = 0; i < 10_000; i++) {
      HeapObject next = node(1, i);
      heap.setReference(prev, 0, next);
      prev = next;
    }
    heap.setReference(prev, 0, first);
  }

  @Test
  public void doublyLinkedList_rootedIntact_thenCollected() {
    HeapObject head = node(2, 0);
    heap.addRoot(head);
    HeapObject prev = head;
    for (int i = 1; i < 1000; i++) {
      HeapObject next = node(2, i);
      heap.setReference(prev, 1, next);
      heap.setReference(next, 0, prev);
      prev = next;
    }
    collect();
    assertEquals(1000, heap.objectCount());
    assertEquals(999, prev.data().getLong(0));
    heap.removeRoot(head);
    collect();
    assertEquals(0, heap.objectCount());
  }

  @Test
  public void weakReference_doesNotKeepAlive_andIsClearedOnCollection() {
    HeapObject strong = node(0, 1);
    heap.addRoot(strong);
    HeapObject weakOnly = node(0, 2);
    WeakHeapReference toStrong = heap.weakReference(strong);
    WeakHeapReference toWeak = heap.weakReference(weakOnly);
    collect();
    assertNull(toWeak.get());
    assertFalse(weakOnly.isLive());
    assertEquals(strong, toStrong.get());
    assertEquals(1, toStrong.get().data().getLong(0));
    heap.removeRoot(strong);
  }

  @Test
  public void roots_areCounted() {
    HeapObject o = node(0, 5);
    heap.addRoot(o);
    heap.addRoot(o);
    assertTrue(heap.removeRoot(o));
    collect();
    assertTrue(o.isLive());
    assertTrue(heap.removeRoot(o));
    assertFalse(heap.removeRoot(o));
    collect();
    assertFalse(o.isLive());
  }

  @Test
  public void scopes_rootWhatTheyAllocate_untilClosed_andNest() {
    HeapObject outerObject;
    HeapObject innerObject;
    try (HeapScope outer = heap.openScope()) {
      outerObject = node(0, 1);
      try (HeapScope inner = heap.openScope()) {
        innerObject = node(0, 2);
        collect();
        assertTrue(outerObject.isLive());
        assertTrue(innerObject.isLive());
      }
      collect();
      assertTrue(outerObject.isLive());
      assertFalse(innerObject.isLive());
    }
    collect();
    assertFalse(outerObject.isLive());
  }

  @Test
  public void scopes_closedOutOfOrder_throw() {
    HeapScope outer = heap.openScope();
    HeapScope inner = heap.openScope();
    assertThrows(IllegalStateException.class, outer::close);
    inner.close();
    outer.close();
  }

  @Test
  public void randomGraphs_matchBfsOracle() {
    for (int seed = 1; seed <= 12; seed++) {
      randomGraph(seed, 1500, 3);
    }
  }

  private void randomGraph(long seed, int n, int slots) {
    Random random = new Random(seed);
    HeapObject[] objects = new HeapObject[n];
    int[][] edges = new int[n][slots];
    HeapScope building = heap.openScope();
    for (int i = 0; i < n; i++) {
      objects[i] = node(slots, seed * 1_000_000 + i);
    }
    for (int i = 0; i < n; i++) {
      for (int s = 0; s < slots; s++) {
        int target = random.nextInt(3) == 0 ? -1 : random.nextInt(n);
        edges[i][s] = target;
        heap.setReference(objects[i], s, target < 0 ? null : objects[target]);
      }
    }
    List<Integer> roots = new ArrayList<>();
    for (int r = 0; r < 5; r++) {
      int root = random.nextInt(n);
      roots.add(root);
      heap.addRoot(objects[root]);
    }
    building.close();
    BitSet reachable = new BitSet(n);
    ArrayDeque<Integer> queue = new ArrayDeque<>(roots);
    while (!queue.isEmpty()) {
      int i = queue.poll();
      if (!reachable.get(i)) {
        reachable.set(i);
        for (int t : edges[i]) {
          if (t >= 0) {
            queue.add(t);
          }
        }
      }
    }
    collect();
    assertEquals(reachable.cardinality(), heap.objectCount(), "seed " + seed);
    for (int i = 0; i < n; i++) {
      assertEquals(reachable.get(i), objects[i].isLive(), "seed " + seed + " object " + i);
      if (reachable.get(i)) {
        assertEquals(seed * 1_000_000 + i, objects[i].data().getLong(0));
        for (int s = 0; s < slots; s++) {
          HeapObject ref = heap.getReference(objects[i], s);
          assertEquals(edges[i][s] < 0 ? null : objects[edges[i][s]], ref);
        }
      }
    }
    for (int root : roots) {
      heap.removeRoot(objects[root]);
    }
    collect();
    assertEquals(0, heap.objectCount());
  }

  @Test
  public void cleanupCallbacks_runOnce_andOneThatThrowsDoesNotStopCollection() {
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 10; i++) {
      HeapObject o = node(0, i);
      heap.onCollect(o, ran::incrementAndGet);
      if (i == 3) {
        heap.onCollect(
            o,
            () -> {
              throw new IllegalStateException("cleanup failed on purpose");
            });
      }
    }
    collect();
    collect();
    assertEquals(10, ran.get());
    assertEquals(0, heap.objectCount());
    OptionalLong failures = callbackFailures(heap);
    if (failures.isPresent()) {
      assertEquals(1, failures.getAsLong());
    }
  }

  @Test
  public void staleHandles_throw_andForeignHandlesAreRefused() {
    HeapObject o = node(1, 1);
    collect();
    assertThrows(UseAfterFreeException.class, () -> o.data().getLong(0));
    assertThrows(UseAfterFreeException.class, () -> heap.addRoot(o));
    assertThrows(UseAfterFreeException.class, () -> heap.setReference(o, 0, null));
    ManagedHeap other = newHeap(config(), manager);
    HeapObject foreign = other.allocate(0, 0);
    HeapObject mine = node(1, 2);
    heap.addRoot(mine);
    assertThrows(AccessViolationException.class, () -> heap.setReference(mine, 0, foreign));
    assertThrows(IndexOutOfBoundsException.class, () -> heap.setReference(mine, 1, null));
    assertThrows(IndexOutOfBoundsException.class, () -> mine.data().getLong(1));
    assertThrows(IllegalArgumentException.class, () -> heap.allocate(-1, 0));
    assertThrows(NullPointerException.class, () -> heap.addRoot(null));
    assertEquals(2, mine.data().getLong(0));
    other.close();
    heap.removeRoot(mine);
  }

  @Test
  public void heapRefs_idsAndHandlesNameTheSameObjects_andReadBackWhatWasWritten() {
    HeapRefsChecks.roundTrip(heap, this::collect);
  }

  @Test
  public void heapRefs_staleForeignNullAndOutOfRange_areRefusedByEveryMethod() {
    ManagedHeap other = newHeap(config(), manager);
    try {
      HeapRefsChecks.badIds(heap, other, this::collect);
    } finally {
      other.close();
    }
  }

  /** Sixteen mutators racing collections through ids never lose a rooted object or a barrier. */
  @Test
  public void heapRefs_sixteenMutatorsRacingCollections_keepEveryRootedList() throws Exception {
    HeapRefsChecks.safepointsUnderLoad(heap, 16, this::collect);
  }

  // ------------------------------------------------------------------ transactions

  @Test
  public void transaction_rollback_undoesEveryChange_withACollectionInside() {
    TransactionChecks.rollbackUndoesEverything(heap, this::collect);
  }

  @Test
  public void transaction_rollback_keepsWhatAScopeFromBeforeHolds() {
    TransactionChecks.rollbackKeepsWhatAnOuterScopeHolds(heap, this::collect);
  }

  @Test
  public void transaction_framesNest_commitKeeps_rollbackUndoesInnerAndOuter() {
    TransactionChecks.framesNest(heap, this::collect);
  }

  @Test
  public void transaction_rollbackDuringACollectionCycle_stillFreesTheFramesObjects() {
    TransactionChecks.rollbackDuringACollectionCycle(heap);
  }

  @Test
  public void restore_failingDuringACollectionCycle_leavesTheHeapEmpty() {
    TransactionChecks.failedRestoreDuringACollectionCycle(heap);
  }

  @Test
  public void transaction_openWhenItsThreadEnds_isRolledBack() throws Exception {
    TransactionChecks.threadEndingInsideATransaction_isRolledBack(heap);
  }

  @Test
  public void transaction_misuse_isRefused() throws Exception {
    TransactionChecks.misuseIsRefused(heap);
  }

  @Test
  public void transaction_randomFrames_rollbackGivesTheDigestFromBegin() {
    for (long seed = 1; seed <= 3; seed++) {
      TransactionChecks.randomFramesMatchTheirModel(heap, seed, this::collect);
    }
  }

  @Test
  public void transaction_rollback_restoresTheSnapshotByteForByte() {
    TransactionChecks.rollbackRestoresTheSnapshot(heap);
  }

  // ------------------------------------------------------------------ gas

  @Test
  public void meter_chargesExactlyWhatTheScheduleSays() {
    MeterChecks.chargesAreExact(heap);
  }

  @Test
  public void meter_memoryCharge_isOnWhatTheExecutionAllocated_notWhatIsLive() {
    MeterChecks.memoryIsWhatTheExecutionAllocated(heap, this::collect);
  }

  @Test
  public void meter_exhausted_refusesBeforeChangingAnything() {
    MeterChecks.exhaustionChangesNothing(heap);
  }

  @Test
  public void meter_nested_chargeBoth_closeInnermostFirst() throws Exception {
    MeterChecks.metersNest(heap);
  }

  @Test
  public void meter_chargesOnlyItsOwnThread() throws Exception {
    MeterChecks.otherThreadsAreNotCharged(heap);
  }

  // ------------------------------------------------------------------ deterministic mode

  /**
   * A deterministic heap over its own manager of {@code bytes}, with the shortest pause budget, so
   * that bounded steps stop early and often: where they stop must not depend on time.
   */
  protected ManagedHeap deterministicHeap(long bytes) {
    return newHeap(
        config().toBuilder()
            .deterministic(true)
            .maxPauseTime(GarbageCollectorConfig.MIN_PAUSE)
            .build(),
        new ArrayMemoryManager(bytes));
  }

  @Test
  public void deterministic_sameSeededProgram_sameTrace() {
    for (long seed : new long[] {7, 8}) {
      DeterminismChecks.sameProgramSameTrace(() -> deterministicHeap(1L << 20), seed, 6_000, 40);
    }
  }

  /**
   * Long garbage chains in a larger heap: sweeps and marking steps have enough to do that their
   * budget stops them part-way, and where they stop must be counted in work, not read off a clock
   * (the first run is cold and the second warm, so a clock would stop them elsewhere).
   */
  @Test
  public void deterministic_boundedSteps_stopByWorkNotTime() {
    DeterminismChecks.sameProgramSameTrace(() -> deterministicHeap(8L << 20), 11, 3_000, 3_000);
  }

  @Test
  public void deterministic_secondMutatorThread_isRefused() throws Exception {
    try (ManagedHeap h = deterministicHeap(8L << 20)) {
      DeterminismChecks.secondMutatorIsRefused(h);
    }
  }

  @Test
  public void deterministic_outOfMemory_isJudgedByTheAccounting() {
    try (ManagedHeap h = deterministicHeap(4L << 20)) {
      DeterminismChecks.outOfMemoryByAccounting(h);
    }
  }

  /**
   * Other users of the pool take everything it has left: the deterministic heap still runs out of
   * memory where its accounting says, not where the pool ran dry (it reserved its chunks).
   */
  @Test
  public void deterministic_otherUsersOfThePool_cannotLeaveItShort() {
    ArrayMemoryManager shared = new ArrayMemoryManager(8L << 20);
    try (ManagedHeap h = newHeap(config().toBuilder().deterministic(true).build(), shared)) {
      List<dev.omega.mem.api.MemoryBlock> taken = DeterminismChecks.exhaust(shared);
      assertFalse(taken.isEmpty(), "the pool had room left for others");
      DeterminismChecks.outOfMemoryByAccounting(h);
      taken.forEach(shared::deallocate);
    }
    assertEquals(0, shared.liveBlocks(), "the heap gave its reserve back on close");
  }

  /** A deterministic heap that cannot reserve its share of the pool is refused when built. */
  @Test
  public void deterministic_onAPoolWithoutRoomForItsReserve_isRefusedWhenBuilt() {
    ArrayMemoryManager shared = new ArrayMemoryManager(8L << 20);
    List<dev.omega.mem.api.MemoryBlock> taken = DeterminismChecks.exhaust(shared);
    dev.omega.mem.api.OutOfMemoryException e =
        assertThrows(
            dev.omega.mem.api.OutOfMemoryException.class,
            () -> newHeap(config().toBuilder().deterministic(true).build(), shared));
    assertTrue(e.getMessage().contains("reserves"), e.getMessage());
    taken.forEach(shared::deallocate);
    assertEquals(0, shared.liveBlocks(), "what the reserve took before it failed went back");
  }

  @Test
  public void concurrentMutators_withBackgroundCollector_loseNothing() throws Exception {
    assertTrue(heap.collector().startCollectionCycle());
    int threads = 16;
    AtomicInteger corrupt = new AtomicInteger();
    List<Callable<Void>> mutators = new ArrayList<>();
    List<HeapObject> kept = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      mutators.add(
          () -> {
            for (int round = 0; round < 30; round++) {
              try (HeapScope scope = heap.openScope()) {
                HeapObject list = node(1, -1);
                HeapObject prev = list;
                for (int i = 0; i < 200; i++) {
                  HeapObject next = node(1, id * 1_000_000L + i);
                  heap.setReference(prev, 0, next);
                  prev = next;
                }
                HeapObject at = heap.getReference(list, 0);
                for (int i = 0; i < 200; i++) {
                  if (at.data().getLong(0) != id * 1_000_000L + i) {
                    corrupt.incrementAndGet();
                  }
                  at = heap.getReference(at, 0);
                }
                if (round == 29) {
                  heap.addRoot(list);
                  kept.add(list);
                }
              }
            }
            return null;
          });
    }
    try (ExecutorService pool = threadPerTask()) {
      awaitAll(pool.invokeAll(mutators));
    }
    assertTrue(heap.collector().stopCollectionCycle());
    collect();
    assertEquals(0, corrupt.get());
    assertEquals(threads * 201L, heap.objectCount());
    for (HeapObject list : kept) {
      heap.removeRoot(list);
    }
    collect();
    assertEquals(0, heap.objectCount());
  }

  /**
   * Scopes are pushed without the heap lock. Deep nesting (past the first growth of a thread's
   * scope stack) while another thread forces collections: every object held only by an open scope
   * must survive, and closing the scopes must let all of them go.
   */
  @Test
  public void deeplyNestedScopes_onManyThreads_holdTheirObjectsThroughCollections()
      throws Exception {
    int threads = 8;
    int depth = 40;
    AtomicInteger lost = new AtomicInteger();
    AtomicInteger collections = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    try (ExecutorService pool = threadPerTask()) {
      Future<?> collecting =
          pool.submit(
              () -> {
                while (!done.get()) {
                  heap.collector().forceCollection();
                  collections.incrementAndGet();
                }
                return null;
              });
      List<Future<?>> nesting = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long tag = t * 1_000L;
        nesting.add(
            pool.submit(
                () -> {
                  nest(depth, tag, new ArrayList<>(), lost, collections);
                  return null;
                }));
      }
      try {
        awaitAll(nesting);
      } finally {
        done.set(true);
      }
      awaitAll(List.of(collecting));
    }
    assertTrue(collections.get() >= 3, "collections while the scopes were open: " + collections);
    assertEquals(0, lost.get());
    collect();
    assertEquals(0, heap.objectCount());
  }

  /** One platform thread per task, as a mutator thread of a program would be. */
  private static ExecutorService threadPerTask() {
    return Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory());
  }

  /**
   * Waits for every task and fails the test, in its own thread, with what a task threw: an
   * exception or failed assertion in a worker thread would otherwise end only that thread. The
   * first failure is the cause; the others are suppressed into it.
   */
  private static void awaitAll(List<? extends Future<?>> tasks) throws InterruptedException {
    AssertionError failed = null;
    for (Future<?> task : tasks) {
      try {
        task.get();
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = new AssertionError("a worker thread failed: " + e.getCause(), e.getCause());
        } else {
          failed.addSuppressed(e.getCause());
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static void check(List<HeapObject> held, long tag, AtomicInteger lost) {
    for (int i = 0; i < held.size(); i++) {
      if (!held.get(i).isLive() || held.get(i).data().getLong(0) != tag + i) {
        lost.incrementAndGet();
      }
    }
  }

  /** Opens {@code levels} nested scopes, one object in each, and checks them all at the bottom. */
  private void nest(
      int levels, long tag, List<HeapObject> held, AtomicInteger lost, AtomicInteger collections) {
    if (levels == 0) {
      // Three whole collections at least while every scope is open (a few seconds at most).
      int until = collections.get() + 3;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (collections.get() < until && System.nanoTime() < deadline) {
        heap.allocate(0, 64); // garbage, so the collections have something to do
        check(held, tag, lost);
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
      }
      check(held, tag, lost);
      return;
    }
    try (HeapScope scope = heap.openScope()) {
      held.add(node(0, tag + held.size()));
      nest(levels - 1, tag, held, lost, collections);
    }
  }

  /**
   * Mutators that trigger collections themselves (threshold and allocation failure) while the
   * background cycle collects too: the two must take the collector's and the heap's locks in one
   * order. A deadlock here once hung the reliability suite.
   */
  @Test
  public void mutatorTriggeredCollections_withBackgroundCycle_neverDeadlock() throws Exception {
    // Not given to the invariant checker: after a deadlock its checks would wait forever too.
    ArrayMemoryManager small = new ArrayMemoryManager(2L << 20);
    ManagedHeap tight = newHeap(config(), small);
    // Ballast past the collection threshold keeps the background thread collecting every few ms
    // and the mutators' own threshold collections frequent, so the two overlap often.
    HeapObject ballast = tight.allocate(1, 8);
    tight.addRoot(ballast);
    HeapObject tail = ballast;
    while (tight.usedBytes() < 0.85 * tight.capacityBytes()) {
      HeapObject next = tight.allocate(1, 8);
      tight.setReference(tail, 0, next);
      tail = next;
    }
    assertTrue(tight.collector().startCollectionCycle());
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      all.add(
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 20_000; i++) {
                        tight.allocate(1, 32); // garbage at once: nothing roots it
                      }
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Thread t : all) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        long[] stuck =
            java.lang.management.ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        fail(
            "mutators still running after 60 s; deadlocked threads: "
                + (stuck == null ? "none found" : stuck.length));
      }
    }
    assertTrue(tight.collector().stopCollectionCycle());
    assertEquals(List.of(), failures);
    tight.removeRoot(ballast);
    assertEquals(List.of(), tight.verifyIntegrity());
    tight.close();
    assertEquals(0, small.liveBlocks(), "heap returned every block on close");
  }

  @Test
  public void statistics_countFreedObjectsAndPauses() {
    for (int i = 0; i < 100; i++) {
      node(0, i);
    }
    collect();
    CollectionStatistics s = heap.collector().getCollectionStatistics();
    assertEquals(provider().name(), s.collector());
    assertTrue(s.objectsFreed() >= 100, "freed " + s.objectsFreed());
    assertTrue(s.bytesFreed() >= 100 * 24L);
    assertTrue(s.totalCollections() >= 1);
    assertTrue(s.pauses().count() >= 1);
    assertTrue(s.pauses().maxNanos() >= s.pauses().p50Nanos());
    assertNotNull(heap.collector().detectCycles());
  }

  @Test
  public void startAndStopCollectionCycle_reportWhetherTheyChangedAnything() {
    assertTrue(heap.collector().startCollectionCycle());
    assertFalse(heap.collector().startCollectionCycle());
    assertTrue(heap.collector().isCollectionCycleRunning());
    assertTrue(heap.collector().stopCollectionCycle());
    assertFalse(heap.collector().stopCollectionCycle());
  }
}
