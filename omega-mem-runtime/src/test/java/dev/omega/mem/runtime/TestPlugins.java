package dev.omega.mem.runtime;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.ManagedHeapProvider;
import dev.omega.mem.spi.ManagerContext;
import dev.omega.mem.spi.MemoryManagerProvider;
import dev.omega.mem.spi.MonitoredSystem;
import dev.omega.mem.spi.PerformanceMonitorProvider;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Providers for assembling a system without the implementation modules: each hands out the part the
 * test put in its static field (typically a Mockito mock), or throws the failure put there. A class
 * loader from {@link #loader} makes {@link java.util.ServiceLoader} find exactly these.
 *
 * <p>Thread safety: confined to one test at a time ({@link #reset()} before each).
 */
public final class TestPlugins {
  static volatile MemoryManager manager;
  static volatile ManagedHeap heap;
  static volatile PerformanceMonitor monitor;
  static volatile RuntimeException monitorCreateFailure;

  private TestPlugins() {}

  static void reset() {
    manager = null;
    heap = null;
    monitor = null;
    monitorCreateFailure = null;
  }

  /** A class loader whose service files name the providers below and nothing else. */
  static ClassLoader loader(Path dir) throws IOException {
    Map<String, URL> services = new HashMap<>();
    for (Class<?>[] pair :
        List.of(
            new Class<?>[] {AllocationStrategyProvider.class, Strategy.class},
            new Class<?>[] {GarbageCollectorProvider.class, Collector.class},
            new Class<?>[] {MemoryManagerProvider.class, Manager.class},
            new Class<?>[] {ManagedHeapProvider.class, Heap.class},
            new Class<?>[] {PerformanceMonitorProvider.class, Monitor.class})) {
      Path file = dir.resolve(pair[0].getName());
      Files.writeString(file, pair[1].getName() + "\n");
      services.put("META-INF/services/" + pair[0].getName(), file.toUri().toURL());
    }
    return new ClassLoader(TestPlugins.class.getClassLoader()) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith("META-INF/services/")) {
          URL file = services.get(name);
          return file == null
              ? Collections.emptyEnumeration()
              : Collections.enumeration(List.of(file));
        }
        return super.getResources(name);
      }
    };
  }

  public static final class Strategy implements AllocationStrategyProvider {
    @Override
    public String name() {
      return "sequential";
    }

    @Override
    public String description() {
      return "test strategy";
    }

    @Override
    public AllocationStrategy create(long totalUnits) {
      throw new UnsupportedOperationException("the test manager places nothing");
    }
  }

  public static final class Collector implements GarbageCollectorProvider {
    @Override
    public String name() {
      return "generational";
    }

    @Override
    public CollectorTraits traits() {
      throw new UnsupportedOperationException("the test heap asks for no traits");
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      throw new UnsupportedOperationException("the test heap builds no collector");
    }
  }

  public static final class Manager implements MemoryManagerProvider {
    @Override
    public String name() {
      return "test";
    }

    @Override
    public MemoryPool createPool(MemoryPoolConfig config, AllocationStrategyProvider strategy) {
      throw new UnsupportedOperationException("only managers are built here");
    }

    @Override
    public MemoryManager createManager(ManagerContext context) {
      return manager;
    }
  }

  public static final class Heap implements ManagedHeapProvider {
    @Override
    public String name() {
      return "test";
    }

    @Override
    public ManagedHeap create(
        GarbageCollectorConfig config,
        MemoryManager memoryManager,
        GarbageCollectorProvider collector) {
      return heap;
    }
  }

  public static final class Monitor implements PerformanceMonitorProvider {
    @Override
    public String name() {
      return "test";
    }

    @Override
    public PerformanceMonitor create(PerformanceMonitorConfig config, MonitoredSystem system) {
      RuntimeException failure = monitorCreateFailure;
      if (failure != null) {
        throw failure;
      }
      return monitor;
    }
  }
}
