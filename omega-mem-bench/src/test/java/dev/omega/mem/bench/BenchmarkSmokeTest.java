package dev.omega.mem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The short version of the benchmarks for the default build: every benchmark body and harness runs
 * once on small inputs, so a broken benchmark fails CI. No timing is asserted.
 */
class BenchmarkSmokeTest {

  @Test
  void allocateFree_everyContenderRoundTrips() {
    AllocateFreeBenchmark b = new AllocateFreeBenchmark();
    for (int size : new int[] {64, 4096}) {
      b.size = size;
      b.setUp();
      assertEquals(
          BenchSystems.OMEGA_LEAK_DETECTION, b.omega.config().manager().leakDetection(), "omega");
      assertEquals(BenchSystems.NETTY_LEAK_DETECTION, ResourceLeakDetector.getLevel(), "netty");
      assertEquals(size, b.omegaChecked());
      assertEquals(size, b.mallocFfm());
      assertEquals(size, b.omegaNoAccess());
      assertEquals(size, b.mallocFfmNoAccess());
      assertEquals(size, b.mallocRawCritical());
      assertEquals(size, b.nettyPooledDirect());
      assertEquals(size, b.arenaConfined());
      assertEquals(size, b.jvmHeap());
      b.tearDown();
    }
  }

  @Test
  void domainMeter_chargesOnlyWhenMetered() {
    DomainMeterBenchmark b = new DomainMeterBenchmark();
    b.setUp();
    assertEquals(1, b.domainUnmetered());
    DomainMeterBenchmark.Metered metered = new DomainMeterBenchmark.Metered();
    metered.open(b);
    assertEquals(1, b.domainMetered(metered));
    // 64 bytes: 10 + 3 * 2, memory 3 * 2 for the first peak; four writes of 3
    assertEquals(22 + 12, metered.meter.used());
    metered.close();
    b.tearDown();
  }

  @Test
  void transaction_everyContextWritesAndKeepsItsWrites() {
    for (String context : List.of("none", "transaction", "meter", "both")) {
      TransactionBenchmark b = new TransactionBenchmark();
      b.context = context;
      b.deterministic = true;
      b.setUp();
      // Past one commit-and-begin, so the span's bookkeeping runs too.
      for (int i = 0; i <= TransactionBenchmark.SPAN; i++) {
        b.set();
        b.setLong();
      }
      assertEquals(b.b, b.refs.get(b.a, 1), context);
      assertEquals(TransactionBenchmark.SPAN + 1, b.refs.getLong(b.a, 0), context);
      assertEquals(b.transacted, b.transaction != null && b.transaction.isOpen(), context);
      if (b.meter != null) {
        // A reference write costs 5 and a payload write 3 with the default schedule.
        assertEquals(8L * (TransactionBenchmark.SPAN + 1), b.meter.used(), context);
      }
      b.tearDown();
    }
  }

  @Test
  void directAccess_bothPoolMemoriesRoundTrip() {
    assertEquals(Optional.empty(), StartupFigures.whyNoDirectMemory(), "the pom's argLine");
    DirectAccessBenchmark b = new DirectAccessBenchmark();
    for (String poolMemory : List.of("direct", "checked")) {
      b.poolMemory = poolMemory;
      b.setUp();
      assertEquals(DirectAccessBenchmark.SIZE, b.omegaChecked(), poolMemory);
      b.tearDown();
    }
    assertEquals(null, System.getProperty(StartupFigures.DIRECT_ACCESS), "property put back");
  }

  /** Checked memory is a shared arena, which the JDK zeroes (so commits) when it is allocated. */
  @Test
  void startup_withPoolMemory_checkedIsResidentWhenBuilt_directIsNot() {
    long pool = 64 * StartupFigures.MIB;
    for (boolean direct : new boolean[] {true, false}) {
      long before = MemoryPerBlock.residentBytes();
      try (var omega =
          StartupFigures.withPoolMemory(direct, () -> BenchSystems.builder(pool).build())) {
        long grown = MemoryPerBlock.residentBytes() - before;
        assertEquals(!direct, grown > pool / 2, "direct " + direct + ", grew " + grown);
      }
    }
  }

  @Test
  void startup_measuresEveryBuild() {
    var create = StartupFigures.create(true, 1, 2);
    assertTrue(create.millis() > 0 && create.minMillis() <= create.maxMillis(), create.describe());
    assertFalse(Double.isNaN(create.residentMib()), create.describe());
    var touched = StartupFigures.preTouched(16 * StartupFigures.MIB, 0, 1);
    assertTrue(touched.residentMib() > 15, "pre_touch commits the pool: " + touched.describe());
  }

  @Test
  void sharedArenaClose_timesEveryClose() throws InterruptedException {
    var t = SharedArenaClose.closeMillis(2, 1, 2);
    assertTrue(t.first() > 0 && t.min() > 0 && t.min() <= t.max(), t.describe());
  }

  @Test
  void churn_keepsItsSlotsAndReturnsEverything() {
    ChurnBenchmark b = new ChurnBenchmark();
    ChurnBenchmark.Shared shared = new ChurnBenchmark.Shared();
    shared.setUp();
    ChurnBenchmark.Slots slots = new ChurnBenchmark.Slots();
    slots.fill(shared);
    for (int i = 0; i < 10_000; i++) {
      assertTrue(b.omegaChecked(shared, slots) >= 16);
      assertTrue(b.mallocRawCritical(slots) != 0);
      assertTrue(b.mallocRawHoldingObject(slots) != 0);
      assertTrue(b.mallocFfm(slots) >= 16);
      assertTrue(b.nettyPooledDirect(slots) >= 16);
    }
    slots.empty(shared);
    assertEquals(0, shared.manager.getMemoryUsage());
    shared.tearDown();
  }

  @Test
  void churn_sharedTearDownFirst_freesEveryThreadsBlocksBeforeTheClose() {
    ChurnBenchmark.Shared shared = new ChurnBenchmark.Shared();
    shared.setUp();
    ChurnBenchmark.Slots slots = new ChurnBenchmark.Slots();
    slots.fill(shared);
    var manager = shared.manager;
    assertTrue(manager.getMemoryUsage() > 0);
    shared.tearDown();
    assertEquals(0, manager.getMemoryUsage(), "every block was freed before the close");
    slots.empty(shared); // JMH's later call: already emptied, so nothing touches the closed system
  }

  @Test
  void manyThreads_countsOperationsOfEveryThread() throws InterruptedException {
    assertTrue(ManyThreads.opsPerSecond(8, 50) > 0);
  }

  @Test
  void monitorOverhead_measuresEveryRoundOfEverySystem() {
    var figure = MonitorOverhead.measure(2, 2, Duration.ofMillis(5), 42);
    assertEquals(4, figure.rounds());
    assertEquals(42, figure.seed());
    assertTrue(figure.offNanos() > 0);
    assertTrue(figure.onRatio() > 0 && figure.listenerRatio() > 0);
  }

  @Test
  void monitorOverhead_phaseOrder_putsEverySettingFirstInSomeRounds() {
    SplittableRandom random = new SplittableRandom(7);
    Set<MonitorOverhead.Setting> first = EnumSet.noneOf(MonitorOverhead.Setting.class);
    for (int round = 0; round < 30; round++) {
      MonitorOverhead.Setting[] order = MonitorOverhead.shuffled(random);
      assertEquals(EnumSet.allOf(MonitorOverhead.Setting.class), EnumSet.copyOf(List.of(order)));
      first.add(order[0]);
    }
    assertEquals(EnumSet.allOf(MonitorOverhead.Setting.class), first);
  }

  @Test
  void memoryPerBlock_measuresEveryContender() {
    assertEquals(Optional.empty(), MemoryPerBlock.whyNoNativeFigure(), "the pom's argLine");
    var figures = MemoryPerBlock.measure(200_000);
    assertEquals(4, figures.size());
    figures.forEach(
        (name, f) -> {
          assertTrue(f.heapBytesPerBlock() >= 4, name + " holds a reference per block: " + f);
          assertFalse(Double.isNaN(f.nativeBytesBeyondPayload()), name + ": " + f);
        });
    var omega = figures.get("omega (MemoryBlock, checked)");
    assertTrue(omega.nativeBytesBeyondPayload() < 64, "slab rounding only: " + omega);
  }

  @Test
  void memoryPerBlock_residentBytes_readsThisProcess() {
    assertTrue(MemoryPerBlock.residentBytes() > 0);
  }

  /**
   * Fewest milliseconds a timed collection that frees thousands of objects can take. Freeing one
   * object costs nanoseconds, so thousands cost microseconds; a figure below this one timed
   * something else (such as a clock read on the wrong side of the collection). A floor, not a speed
   * limit: a loaded machine only raises the figures.
   */
  private static final double LEAST_COLLECTION_MILLIS = 0.001;

  /** Each run timed a collection, and the summary's figures are in order. */
  private static void assertTimedCollections(CollectorFigures.Timings t) {
    assertTrue(t.first() >= LEAST_COLLECTION_MILLIS, "first run timed: " + t.describe());
    assertTrue(t.min() >= LEAST_COLLECTION_MILLIS, "every measured run timed: " + t.describe());
    assertTrue(t.min() <= t.median() && t.median() <= t.max(), "min <= median <= max: " + t);
  }

  @Test
  void collectorFigures_runOnSmallGraphs() {
    for (String collector : CollectorFigures.COLLECTORS) {
      assertTimedCollections(CollectorFigures.fullCollectionOfCycles(collector, 10_000, 1, 3));
    }
    assertTimedCollections(CollectorFigures.youngCollection(10_000, 7_000, 1, 3));
  }

  @Test
  void binaryTrees_everyContenderBuildsAndChecksEveryTree() {
    List<String> contenders = new ArrayList<>(List.of(CollectorFigures.COLLECTORS));
    contenders.add(BinaryTrees.JVM_HEAP);
    for (String contender : contenders) {
      List<Integer> seen = new ArrayList<>();
      BinaryTrees.Figures f =
          BinaryTrees.inThisJvm(
              contender, 8, Duration.ofMillis(5), 1, 2, (index, run, checks) -> seen.add(index));
      assertEquals(List.of(0, 1, 2, 3), seen, contender + ": cold, one warm-up, two measured");
      assertEquals(BinaryTrees.expectedChecks(8), f.checks(), contender);
      assertTrue(f.cold().wallMillis() > 0 && f.warm().wallMillis() > 0, contender + ": " + f);
    }
  }

  @Test
  void binaryTrees_inFreshJvm_reportsTheChildsRuns() {
    BinaryTrees.Figures f =
        BinaryTrees.inFreshJvm(BinaryTrees.JVM_HEAP, 6, Duration.ofMillis(5), 1, 1);
    assertEquals(BinaryTrees.expectedChecks(6), f.checks());
    assertTrue(f.cold().wallMillis() > 0 && f.warm().wallMillis() > 0, f.toString());
  }

  @Test
  void binaryTrees_expectedChecks_areTheBenchmarksGamesLines() {
    assertEquals(
        List.of(
            "stretch tree of depth 7\t check: 255",
            "64\t trees of depth 4\t check: 1984",
            "16\t trees of depth 6\t check: 2032",
            "long lived tree of depth 6\t check: 127"),
        BinaryTrees.expectedChecks(6));
  }
}
