package dev.omega.mem.runtime;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.spi.AllocationStrategyProvider;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.ManagedHeapProvider;
import dev.omega.mem.spi.MemoryManagerProvider;
import dev.omega.mem.spi.MetricsExporterProvider;
import dev.omega.mem.spi.PerformanceMonitorProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every provider {@link ServiceLoader} finds on a class loader, by kind and name. Two providers of
 * one kind with the same name are a configuration error (which one would run would depend on class
 * path order), reported with both class names.
 *
 * <p>Thread safety: immutable after construction.
 */
public final class PluginCatalog {
  private final Map<String, AllocationStrategyProvider> strategies;
  private final Map<String, GarbageCollectorProvider> collectors;
  private final Map<String, MemoryManagerProvider> managers;
  private final Map<String, ManagedHeapProvider> heaps;
  private final Map<String, PerformanceMonitorProvider> monitors;
  private final Map<String, MetricsExporterProvider> exporters;

  private PluginCatalog(ClassLoader loader) {
    List<ConfigProblem> problems = new ArrayList<>();
    strategies =
        load(AllocationStrategyProvider.class, loader, AllocationStrategyProvider::name, problems);
    collectors =
        load(GarbageCollectorProvider.class, loader, GarbageCollectorProvider::name, problems);
    managers = load(MemoryManagerProvider.class, loader, MemoryManagerProvider::name, problems);
    heaps = load(ManagedHeapProvider.class, loader, ManagedHeapProvider::name, problems);
    monitors =
        load(PerformanceMonitorProvider.class, loader, PerformanceMonitorProvider::name, problems);
    exporters =
        load(MetricsExporterProvider.class, loader, MetricsExporterProvider::name, problems);
    ConfigurationException.throwIfAny(problems);
  }

  /** Providers visible to the thread's context class loader (or this class's, if none). */
  public static PluginCatalog discover() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return new PluginCatalog(loader != null ? loader : PluginCatalog.class.getClassLoader());
  }

  public static PluginCatalog discover(ClassLoader loader) {
    return new PluginCatalog(loader);
  }

  private static <P> Map<String, P> load(
      Class<P> kind, ClassLoader loader, Function<P, String> name, List<ConfigProblem> problems) {
    Map<String, P> found = new TreeMap<>();
    for (P provider : ServiceLoader.load(kind, loader)) {
      String key = name.apply(provider);
      P previous = found.putIfAbsent(key, provider);
      if (previous != null && previous.getClass() != provider.getClass()) {
        problems.add(
            new ConfigProblem(
                kind.getSimpleName(),
                key,
                "one provider per name, found two named ["
                    + key
                    + "]: "
                    + previous.getClass().getName()
                    + " and "
                    + provider.getClass().getName()));
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(found));
  }

  public Map<String, AllocationStrategyProvider> strategies() {
    return strategies;
  }

  public Map<String, GarbageCollectorProvider> collectors() {
    return collectors;
  }

  public Map<String, MemoryManagerProvider> managers() {
    return managers;
  }

  public Map<String, ManagedHeapProvider> heaps() {
    return heaps;
  }

  public Map<String, PerformanceMonitorProvider> monitors() {
    return monitors;
  }

  public Map<String, MetricsExporterProvider> exporters() {
    return exporters;
  }
}
