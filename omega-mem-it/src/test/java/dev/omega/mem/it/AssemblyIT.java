package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.omega.tracing.TracingCollectorProvider;
import com.example.omega.worstfit.WorstFitStrategyProvider;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.runtime.OmegaMemoryModule;
import dev.omega.mem.spi.AllocationStrategyProvider;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole systems assembled by the runtime, the way users build them. */
@Tag("basic_allocation")
class AssemblyIT {
  private static final long MIB = 1 << 20;

  private static PerformanceMonitorConfig quietMonitor() {
    return PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build();
  }

  @Test
  void builder_withUserWrittenStrategyAndCollector_selectedByName() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(
                MemoryPoolConfig.builder()
                    .poolSize(4 * MIB)
                    .allocationStrategy("worst-fit")
                    .build())
            .garbageCollector(
                GarbageCollectorConfig.builder().collectionStrategy("epsilon").build())
            .monitor(quietMonitor())
            .build()) {
      assertEquals("worst-fit", omega.memoryPool().getPoolStatistics().strategy());
      MemoryBlock block = omega.memoryManager().allocate(100_000, Priority.HIGH);
      block.setLong(0, 42);
      assertEquals(42, block.getLong(0));
      assertEquals("epsilon", omega.garbageCollector().name());
      ManagedHeap heap = omega.heap();
      HeapObject o = heap.allocate(1, 16);
      assertFalse(omega.garbageCollector().forceCollection(), "epsilon never collects");
      assertTrue(o.isLive(), "epsilon kept the unreachable object");
      assertInstanceOf(EpsilonCollectorProvider.Epsilon.class, omega.garbageCollector());
      omega.memoryManager().deallocate(block);
    }
  }

  @Test
  void userWrittenTracingCollector_chosenByName_reclaimsUnreachableObjects() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .garbageCollector(
                GarbageCollectorConfig.builder().collectionStrategy("tracing").build())
            .monitor(quietMonitor())
            .build()) {
      assertInstanceOf(TracingCollectorProvider.Tracing.class, omega.garbageCollector());
      ManagedHeap heap = omega.heap();
      HeapObject kept = heap.allocate(1, 8);
      heap.addRoot(kept);
      HeapObject ring = heap.allocate(1, 8);
      heap.setReference(ring, 0, heap.allocate(1, 8));
      heap.setReference(heap.getReference(ring, 0), 0, ring);
      heap.setReference(kept, 0, heap.allocate(0, 8));
      assertTrue(omega.garbageCollector().forceCollection());
      assertEquals(2, heap.objectCount(), "the root and its child stay; the ring goes");
      assertFalse(ring.isLive());
      assertEquals(2, omega.garbageCollector().getCollectionStatistics().objectsFreed());
      heap.removeRoot(kept);
    }
  }

  @Test
  void epsilon_whenHeapIsFull_failsCleanlyWithOutOfMemory() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(1 * MIB).build())
            .garbageCollector(
                GarbageCollectorConfig.builder().collectionStrategy("epsilon").build())
            .monitor(quietMonitor())
            .build()) {
      ManagedHeap heap = omega.heap();
      OutOfMemoryException e = null;
      long made = 0;
      while (e == null) {
        try {
          heap.allocate(0, 1000);
          made++;
        } catch (OutOfMemoryException oom) {
          e = oom;
        }
      }
      assertTrue(made > 500, "made " + made);
      assertEquals(made, heap.objectCount());
    }
  }

  @Test
  void defaults_buildGenerationalOverSequential_andCollectGarbage() {
    try (OmegaMemory omega = OmegaMemory.builder().monitor(quietMonitor()).build()) {
      assertEquals(OmegaMemoryConfig.defaults().withMonitor(quietMonitor()), omega.config());
      assertEquals("sequential", omega.memoryPool().getPoolStatistics().strategy());
      assertEquals("generational", omega.garbageCollector().name());
      ManagedHeap heap = omega.heap();
      HeapObject kept;
      try (HeapScope scope = heap.openScope()) {
        kept = heap.allocate(1, 8);
        heap.addRoot(kept);
        heap.setReference(kept, 0, heap.allocate(0, 8));
        for (int i = 0; i < 1000; i++) {
          heap.allocate(0, 64);
        }
      }
      assertTrue(omega.garbageCollector().forceCollection());
      assertEquals(2, heap.objectCount());
      assertTrue(
          omega.memoryManager().runGarbageCollector(), "the manager reaches the heap's collector");
    }
  }

  @Test
  void managerOutOfMemory_runsTheConfiguredCollector() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(2 * MIB).build())
            .garbageCollector(
                GarbageCollectorConfig.builder().collectionStrategy("mark-sweep").build())
            .monitor(quietMonitor())
            .build()) {
      ManagedHeap heap = omega.heap();
      for (int i = 0; i < 100; i++) {
        heap.allocate(0, 8000);
      }
      long before = omega.garbageCollector().getCollectionStatistics().totalCollections();
      MemoryBlock big = omega.memoryManager().allocate(MIB + MIB / 2, Priority.CRITICAL);
      assertTrue(omega.garbageCollector().getCollectionStatistics().totalCollections() > before);
      assertEquals(0, heap.objectCount());
      omega.memoryManager().deallocate(big);
    }
  }

  @Test
  void guiceUsers_installTheModuleInTheirOwnInjector() {
    OmegaMemoryConfig config =
        OmegaMemoryConfig.defaults()
            .withPool(
                MemoryPoolConfig.builder().poolSize(2 * MIB).allocationStrategy("random").build())
            .withMonitor(quietMonitor());
    Injector injector = Guice.createInjector(new OmegaMemoryModule(config));
    MemoryManager manager = injector.getInstance(MemoryManager.class);
    assertEquals("random", manager.pools().get(0).getPoolStatistics().strategy());
    Map<String, AllocationStrategyProvider> strategies =
        injector.getInstance(
            Key.get(new TypeLiteral<Map<String, AllocationStrategyProvider>>() {}));
    assertTrue(
        strategies
            .keySet()
            .containsAll(java.util.Set.of("sequential", "random", "batch", "worst-fit")));
    assertTrue(injector.getInstance(ManagedHeap.class) == injector.getInstance(ManagedHeap.class));
    injector.getInstance(ManagedHeap.class).close();
    manager.close();
  }

  @Test
  void unknownStrategy_failsWithTheNamesFoundAndTheModuleToAdd() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                OmegaMemory.builder()
                    .pool(MemoryPoolConfig.builder().allocationStrategy("buddy").build())
                    .build());
    assertTrue(
        e.getMessage()
            .contains(
                "no allocation strategy named [buddy]; found [batch, random, sequential, worst-fit]; add dev.omega.mem:omega-mem-strategies"),
        e.getMessage());
  }

  @Test
  void unknownCollector_failsWithTheNamesFoundAndTheModuleToAdd() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                OmegaMemory.builder()
                    .garbageCollector(
                        GarbageCollectorConfig.builder().collectionStrategy("g1").build())
                    .build());
    assertTrue(
        e.getMessage()
            .contains(
                "no garbage collector named [g1]; found [epsilon, faulty, generational, incremental, mark-sweep, reference-counting, tracing]; add dev.omega.mem:omega-mem-gc"),
        e.getMessage());
  }

  @Test
  void unknownStrategyAndCollector_areReportedTogether() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                OmegaMemory.builder()
                    .pool(MemoryPoolConfig.builder().allocationStrategy("buddy").build())
                    .garbageCollector(
                        GarbageCollectorConfig.builder().collectionStrategy("g1").build())
                    .build());
    assertEquals(2, e.problems().size());
  }

  @Test
  void twoProvidersWithOneName_fail(@TempDir Path dir) throws IOException {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve("dev.omega.mem.spi.AllocationStrategyProvider"),
        DuplicateSequentialProvider.class.getName() + "\n");
    ClassLoader loader =
        new java.net.URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> OmegaMemory.builder().classLoader(loader).build());
    assertTrue(e.getMessage().contains("found two named [sequential]"), e.getMessage());
    assertTrue(
        e.getMessage().contains(DuplicateSequentialProvider.class.getName()), e.getMessage());
  }

  @Test
  void missingGcModule_heapFailsNamingTheModule_butTheManagerWorks() {
    ClassLoader hiding =
        new HidingClassLoader(getClass().getClassLoader(), "dev.omega.mem.spi.ManagedHeapProvider");
    try (OmegaMemory omega =
        OmegaMemory.builder().classLoader(hiding).monitor(quietMonitor()).build()) {
      MemoryBlock b = omega.memoryManager().allocate(64);
      omega.memoryManager().deallocate(b);
      ConfigurationException e = assertThrows(ConfigurationException.class, omega::heap);
      assertTrue(e.getMessage().contains("add dev.omega.mem:omega-mem-gc"), e.getMessage());
    }
  }

  @Test
  void missingStrategiesModule_failsNamingIt() {
    ClassLoader hiding =
        new HidingClassLoader(
            getClass().getClassLoader(), "dev.omega.mem.spi.AllocationStrategyProvider");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> OmegaMemory.builder().classLoader(hiding).build());
    assertTrue(
        e.getMessage().contains("found []; add dev.omega.mem:omega-mem-strategies"),
        e.getMessage());
  }

  @Test
  void fromConfig_readsHoconWithOmegaKeys(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("omega-mem.conf");
    Files.writeString(
        file,
        """
        pool_size = 8MiB
        block_size = 4096
        allocation_strategy = batch
        collection_strategy = reference-counting
        max_pause_time = 20ms
        enable_real_time_monitoring = false
        """);
    try (OmegaMemory omega = OmegaMemory.fromConfig(file)) {
      assertEquals(8 * MIB, omega.memoryPool().getPoolStatistics().capacityBytes());
      assertEquals("batch", omega.memoryPool().getPoolStatistics().strategy());
      assertEquals("reference-counting", omega.garbageCollector().name());
      assertEquals(Duration.ofMillis(20), omega.config().garbageCollector().maxPauseTime());
    }
  }

  @Test
  void fromClasspath_readsOmegaMemConf() {
    try (OmegaMemory omega = OmegaMemory.fromClasspath()) {
      assertEquals(16 * MIB, omega.memoryPool().getPoolStatistics().capacityBytes());
      assertEquals("random", omega.memoryPool().getPoolStatistics().strategy());
    }
  }

  @Test
  void close_isIdempotent_andRefusesLaterUse() {
    OmegaMemory omega = OmegaMemory.builder().monitor(quietMonitor()).build();
    MemoryBlock b = omega.memoryManager().allocate(10);
    omega.close();
    omega.close();
    assertFalse(b.isValid());
    assertThrows(IllegalStateException.class, omega::memoryManager);
  }

  /** A second provider claiming the name {@code sequential}. */
  public static final class DuplicateSequentialProvider implements AllocationStrategyProvider {
    @Override
    public String name() {
      return "sequential";
    }

    @Override
    public String description() {
      return "duplicate on purpose";
    }

    @Override
    public dev.omega.mem.spi.AllocationStrategy create(long totalUnits) {
      return new WorstFitStrategyProvider.WorstFit(totalUnits);
    }
  }

  /** Hides one service file, as if the module providing it were not on the class path. */
  static final class HidingClassLoader extends ClassLoader {
    private final String hidden;

    HidingClassLoader(ClassLoader parent, String service) {
      super(parent);
      this.hidden = "META-INF/services/" + service;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.equals(hidden) ? Collections.emptyEnumeration() : super.getResources(name);
    }
  }
}
