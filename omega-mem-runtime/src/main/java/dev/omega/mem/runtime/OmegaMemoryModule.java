package dev.omega.mem.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.ManagedHeapProvider;
import dev.omega.mem.spi.ManagerContext;
import dev.omega.mem.spi.MemoryManagerProvider;
import dev.omega.mem.spi.MonitoredSystem;
import dev.omega.mem.spi.PerformanceMonitorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Guice module of one Omega Memory system, for users who own their injector. Providers found by
 * {@link java.util.ServiceLoader} feed {@link MapBinder}s keyed by name ({@code Map<String,
 * AllocationStrategyProvider>}, {@code Map<String, GarbageCollectorProvider>}), and the configured
 * names choose among them. Every name is checked when the module is constructed, so bad
 * configuration fails before any injector exists, with every problem listed.
 *
 * <p>Binds, as singletons: the four config records, {@link MemoryManager}, {@link ManagedHeap},
 * {@link GarbageCollector} and {@link PerformanceMonitor}. The last three need {@code omega-mem-gc}
 * and {@code omega-mem-monitor}; asking for them without those modules fails with a message naming
 * the module.
 */
public final class OmegaMemoryModule extends AbstractModule {
  static final String STRATEGIES_MODULE = "omega-mem-strategies";
  static final String GC_MODULE = "omega-mem-gc";
  static final String POOL_MODULE = "omega-mem-pool";
  static final String MONITOR_MODULE = "omega-mem-monitor";

  /**
   * Guice's flag for how it defines the classes it generates. Its default reaches for {@code
   * sun.misc.Unsafe}, which Java 24 and later warn about on the console (JEP 498); {@code CHILD}
   * defines them in child class loaders instead and needs no Unsafe. Set only when the application
   * has not chosen, and effective only if Guice has not read its flags yet (it reads them once).
   */
  static final String GUICE_CLASS_LOADING = "guice_custom_class_loading";

  static {
    if (System.getProperty(GUICE_CLASS_LOADING) == null) {
      System.setProperty(GUICE_CLASS_LOADING, "CHILD");
    }
  }

  private final OmegaMemoryConfig config;
  private final PluginCatalog catalog;
  private final BuiltParts built = new BuiltParts();

  public OmegaMemoryModule(OmegaMemoryConfig config) {
    this(config, PluginCatalog.discover());
  }

  public OmegaMemoryModule(OmegaMemoryConfig config, PluginCatalog catalog) {
    this.config = Objects.requireNonNull(config, "config is null");
    this.catalog = Objects.requireNonNull(catalog, "catalog is null");
    validate();
  }

  private void validate() {
    List<ConfigProblem> problems = new ArrayList<>();
    String strategy = config.pool().allocationStrategy();
    if (!catalog.strategies().containsKey(strategy)) {
      problems.add(
          NamedChoice.problem(
              catalog.strategies(),
              strategy,
              "allocation_strategy",
              "allocation strategy",
              STRATEGIES_MODULE));
    }
    String collector = config.garbageCollector().collectionStrategy();
    if (!catalog.heaps().isEmpty() && !catalog.collectors().containsKey(collector)) {
      problems.add(
          NamedChoice.problem(
              catalog.collectors(),
              collector,
              "collection_strategy",
              "garbage collector",
              GC_MODULE));
    }
    for (String exporter : exportersToStart(config.monitor())) {
      if (!catalog.exporters().containsKey(exporter)) {
        problems.add(
            NamedChoice.problem(
                catalog.exporters(),
                exporter,
                exporter.equals(DASHBOARD) ? "dashboard_port" : "exporters",
                "metrics exporter",
                MONITOR_MODULE));
      }
    }
    if (catalog.managers().size() != 1) {
      problems.add(
          new ConfigProblem(
              "memory manager",
              catalog.managers().keySet(),
              "exactly one implementation on the class or module path; add dev.omega.mem:"
                  + POOL_MODULE));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /** The closeable parts this module's providers built so far, oldest first. */
  BuiltParts builtParts() {
    return built;
  }

  /** The exporter named {@code dashboard} is started by {@code dashboard_port}, not by name. */
  static final String DASHBOARD = "dashboard";

  /** Names of the exporters a configuration starts: those listed, and the dashboard if on. */
  static List<String> exportersToStart(PerformanceMonitorConfig monitor) {
    List<String> names = new ArrayList<>(monitor.exporters());
    if (monitor.dashboardPort() >= 0 && !names.contains(DASHBOARD)) {
      names.add(DASHBOARD);
    }
    return names;
  }

  @Override
  protected void configure() {
    bind(OmegaMemoryConfig.class).toInstance(config);
    bind(MemoryPoolConfig.class).toInstance(config.pool());
    bind(MemoryManagerConfig.class).toInstance(config.manager());
    bind(GarbageCollectorConfig.class).toInstance(config.garbageCollector());
    bind(PerformanceMonitorConfig.class).toInstance(config.monitor());
    bind(PluginCatalog.class).toInstance(catalog);
    bind(CollectorBridge.class).in(Singleton.class);

    MapBinder<String, AllocationStrategyProvider> strategies =
        MapBinder.newMapBinder(binder(), String.class, AllocationStrategyProvider.class);
    catalog
        .strategies()
        .forEach((name, provider) -> strategies.addBinding(name).toInstance(provider));
    MapBinder<String, GarbageCollectorProvider> collectors =
        MapBinder.newMapBinder(binder(), String.class, GarbageCollectorProvider.class);
    catalog
        .collectors()
        .forEach((name, provider) -> collectors.addBinding(name).toInstance(provider));
  }

  @Provides
  @Singleton
  AllocationStrategyProvider chosenStrategy(Map<String, AllocationStrategyProvider> strategies) {
    return NamedChoice.choose(
        strategies,
        config.pool().allocationStrategy(),
        "allocation_strategy",
        "allocation strategy",
        STRATEGIES_MODULE);
  }

  @Provides
  @Singleton
  GarbageCollectorProvider chosenCollector(Map<String, GarbageCollectorProvider> collectors) {
    return NamedChoice.choose(
        collectors,
        config.garbageCollector().collectionStrategy(),
        "collection_strategy",
        "garbage collector",
        GC_MODULE);
  }

  @Provides
  @Singleton
  MemoryManager memoryManager(AllocationStrategyProvider strategy, CollectorBridge bridge) {
    MemoryManagerProvider provider =
        NamedChoice.single(catalog.managers(), "memory manager", POOL_MODULE);
    MemoryManager manager =
        provider.createManager(
            new ManagerContext(config.pool(), config.manager(), strategy, bridge::collect));
    built.add("memory manager", manager::close);
    return manager;
  }

  @Provides
  @Singleton
  ManagedHeap managedHeap(
      MemoryManager manager,
      com.google.inject.Provider<GarbageCollectorProvider> collector,
      CollectorBridge bridge) {
    ManagedHeapProvider provider = NamedChoice.single(catalog.heaps(), "managed heap", GC_MODULE);
    ManagedHeap heap = provider.create(config.garbageCollector(), manager, collector.get());
    built.add("managed heap", heap::close);
    bridge.attach(heap);
    return heap;
  }

  @Provides
  @Singleton
  GarbageCollector garbageCollector(ManagedHeap heap) {
    return heap.collector();
  }

  @Provides
  @Singleton
  PerformanceMonitor performanceMonitor(
      MemoryManager manager, com.google.inject.Provider<ManagedHeap> heap) {
    PerformanceMonitorProvider provider =
        NamedChoice.single(catalog.monitors(), "performance monitor", MONITOR_MODULE);
    Optional<ManagedHeap> maybeHeap =
        catalog.heaps().isEmpty() ? Optional.empty() : Optional.of(heap.get());
    PerformanceMonitor monitor =
        provider.create(config.monitor(), new MonitoredSystem(manager, maybeHeap));
    built.add("performance monitor", monitor::close);
    return monitor;
  }
}
