package dev.omega.mem.runtime;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.OmegaMemoryException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MonitoredSystem;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The entry point: one assembled Omega Memory system (pool, manager, and, when their modules are on
 * the class path, the managed heap with its collector and the performance monitor).
 *
 * <pre>{@code
 * try (OmegaMemory omega = OmegaMemory.builder()
 *     .pool(MemoryPoolConfig.builder().poolSize(100 << 20).allocationStrategy("random").build())
 *     .build()) {
 *   MemoryBlock block = omega.memoryManager().allocate(1024, Priority.NORMAL);
 *   ...
 * }
 * }</pre>
 *
 * <p>Components are built on first use, except the manager (built with the system, so that a pool
 * that cannot be reserved fails at once) and the monitor when {@code enable_real_time_monitoring}
 * is on and its module is present. If the build fails part way (a monitor provider that throws, an
 * exporter that cannot start), what it had built is closed before the exception propagates, so no
 * pool is left reserved. Thread safety: thread-safe.
 */
public final class OmegaMemory implements AutoCloseable {
  private final OmegaMemoryConfig config;
  private final PluginCatalog catalog;
  private final Injector injector;
  private final BuiltParts parts;
  private final MemoryManager manager;
  private volatile boolean closed;
  private final Map<String, MetricsExporter> exporters = new LinkedHashMap<>();

  private OmegaMemory(OmegaMemoryConfig config, PluginCatalog catalog) {
    this.config = config;
    this.catalog = catalog;
    OmegaMemoryModule module = new OmegaMemoryModule(config, catalog);
    this.parts = module.builtParts();
    // DEVELOPMENT keeps singletons lazy: the heap and monitor are built only if used (and only if
    // their modules are present).
    this.injector = Guice.createInjector(Stage.DEVELOPMENT, module);
    try {
      this.manager = get(() -> injector.getInstance(MemoryManager.class));
      if (config.monitor().enableRealTimeMonitoring() && !catalog.monitors().isEmpty()) {
        monitor().startMonitoring();
      }
      List<String> exporterNames = OmegaMemoryModule.exportersToStart(config.monitor());
      if (!exporterNames.isEmpty()) {
        PerformanceMonitor monitor = monitor();
        MonitoredSystem system = new MonitoredSystem(manager, heapIfInstalled());
        for (String name : exporterNames) {
          MetricsExporter exporter =
              catalog.exporters().get(name).create(monitor, system, config.monitor());
          parts.add("exporter " + name, exporter::close);
          exporter.start();
          exporters.put(name, exporter);
        }
      }
    } catch (RuntimeException | Error e) {
      // Whatever was built (the manager's pool above all) must not outlive the failed build.
      closed = true;
      Throwable alsoFailed = parts.closeAll();
      if (alsoFailed != null) {
        e.addSuppressed(alsoFailed);
      }
      throw e;
    }
  }

  private Optional<ManagedHeap> heapIfInstalled() {
    return catalog.heaps().isEmpty() ? Optional.empty() : Optional.of(heap());
  }

  /**
   * The exporters this system started ({@code exporters} and, when {@code dashboard_port} is not
   * -1, {@code dashboard}), by name.
   */
  public Map<String, MetricsExporter> exporters() {
    return Collections.unmodifiableMap(exporters);
  }

  /** Where the dashboard serves, when {@code dashboard_port} turned it on. */
  public Optional<URI> dashboardAddress() {
    MetricsExporter dashboard = exporters.get(OmegaMemoryModule.DASHBOARD);
    return dashboard == null ? Optional.empty() : dashboard.address();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A system with every default (100 MiB pool, sequential, generational). */
  public static OmegaMemory create() {
    return builder().build();
  }

  /**
   * A system configured by a HOCON file with the OMEGA keys ({@code pool_size = 100MiB}, …).
   *
   * @throws dev.omega.mem.api.ConfigurationException naming every bad or unknown key
   */
  public static OmegaMemory fromConfig(Path file) {
    return fromConfig(file, OmegaMemoryConfigLoader.FileIncludes.REFUSE);
  }

  /**
   * A system configured by a HOCON file, following its file includes when {@code includes} is
   * {@link OmegaMemoryConfigLoader.FileIncludes#ALLOW}.
   *
   * @throws dev.omega.mem.api.ConfigurationException naming every bad or unknown key and every
   *     refused or missing include
   */
  public static OmegaMemory fromConfig(Path file, OmegaMemoryConfigLoader.FileIncludes includes) {
    return builder().config(OmegaMemoryConfigLoader.load(file, includes)).build();
  }

  /** A system configured by {@code omega-mem.conf} on the class path (defaults where absent). */
  public static OmegaMemory fromClasspath() {
    return builder().config(OmegaMemoryConfigLoader.loadClasspath()).build();
  }

  public OmegaMemoryConfig config() {
    return config;
  }

  /** What ServiceLoader found: strategies, collectors, and the implementations in use. */
  public PluginCatalog plugins() {
    return catalog;
  }

  /** The Guice injector, for users who want to add their own bindings around it. */
  public Injector injector() {
    return injector;
  }

  public MemoryManager memoryManager() {
    checkOpen();
    return manager;
  }

  /** The manager's (first) pool. */
  public MemoryPool memoryPool() {
    return memoryManager().pools().get(0);
  }

  /**
   * The managed heap.
   *
   * @throws dev.omega.mem.api.ConfigurationException if {@code omega-mem-gc} is not on the class
   *     path
   */
  public ManagedHeap heap() {
    checkOpen();
    return get(() -> injector.getInstance(ManagedHeap.class));
  }

  /** The heap's collector (see {@link #heap()}). */
  public GarbageCollector garbageCollector() {
    return heap().collector();
  }

  /**
   * The performance monitor.
   *
   * @throws dev.omega.mem.api.ConfigurationException if {@code omega-mem-monitor} is not on the
   *     class path
   */
  public PerformanceMonitor monitor() {
    checkOpen();
    return get(() -> injector.getInstance(PerformanceMonitor.class));
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this OmegaMemory is closed");
    }
  }

  /** Unwraps Guice's wrapper so callers see the exception the component threw. */
  private static <T> T get(Supplier<T> supplier) {
    try {
      return supplier.get();
    } catch (ProvisionException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof OmegaMemoryException ome) {
          throw ome;
        }
      }
      throw e;
    }
  }

  /**
   * Closes every part this system built, newest first: the exporters, the monitor, the heap and its
   * collector, then the manager and its pools. A part whose close throws does not keep the others
   * open: all are closed, then the first failure is thrown with the others added to it as
   * suppressed. A second call does nothing and throws nothing.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Throwable failure = parts.closeAll();
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
  }

  /** Builder; every section starts at its defaults. */
  public static final class Builder {
    private OmegaMemoryConfig config = OmegaMemoryConfig.defaults();
    private ClassLoader classLoader;

    private Builder() {}

    public Builder config(OmegaMemoryConfig value) {
      this.config = Objects.requireNonNull(value, "config is null");
      return this;
    }

    public Builder pool(MemoryPoolConfig value) {
      this.config = config.withPool(Objects.requireNonNull(value, "pool config is null"));
      return this;
    }

    public Builder manager(MemoryManagerConfig value) {
      this.config = config.withManager(Objects.requireNonNull(value, "manager config is null"));
      return this;
    }

    public Builder garbageCollector(GarbageCollectorConfig value) {
      this.config =
          config.withGarbageCollector(Objects.requireNonNull(value, "collector config is null"));
      return this;
    }

    public Builder monitor(PerformanceMonitorConfig value) {
      this.config = config.withMonitor(Objects.requireNonNull(value, "monitor config is null"));
      return this;
    }

    /** Where providers are looked up (default: the thread's context class loader). */
    public Builder classLoader(ClassLoader value) {
      this.classLoader = Objects.requireNonNull(value, "classLoader is null");
      return this;
    }

    /**
     * Discovers providers, checks every configured name, builds the manager.
     *
     * @throws dev.omega.mem.api.ConfigurationException listing every problem
     */
    public OmegaMemory build() {
      PluginCatalog catalog =
          classLoader == null ? PluginCatalog.discover() : PluginCatalog.discover(classLoader);
      return new OmegaMemory(config, catalog);
    }
  }
}
