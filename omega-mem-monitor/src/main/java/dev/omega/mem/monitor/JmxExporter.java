package dev.omega.mem.monitor;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.OmegaMemoryMXBean;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MonitoredSystem;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Registers an {@link OmegaMemoryMXBean} on the platform MBean server as {@code
 * dev.omega.mem:type=OmegaMemory,name=omega-N}, N counting systems in this JVM so that several can
 * coexist. Attributes are computed on each read; nothing is cached or sampled here.
 */
final class JmxExporter implements MetricsExporter {
  private final Bean bean;
  private final ObjectName name;
  private boolean registered;

  /** {@code jmxName}: the configured {@code jmx_name}, validated by the configuration. */
  JmxExporter(PerformanceMonitor monitor, MonitoredSystem system, String jmxName) {
    this.bean = new Bean(monitor, system);
    try {
      this.name = new ObjectName(jmxName);
    } catch (JMException e) {
      throw new ConfigurationException(
          List.of(new ConfigProblem("jmx_name", jmxName, "a JMX ObjectName: " + e.getMessage())));
    }
  }

  @Override
  public synchronized void start() {
    if (registered) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(bean, name);
      registered = true;
    } catch (InstanceAlreadyExistsException e) {
      throw new ConfigurationException(
          List.of(
              new ConfigProblem(
                  "jmx_name",
                  name.toString(),
                  "a name no other MBean in this JVM has; give each Omega Memory system its own"
                      + " jmx_name")));
    } catch (JMException e) {
      throw new IllegalStateException("cannot register the Omega Memory MBean " + name, e);
    }
  }

  @Override
  public Optional<URI> address() {
    return Optional.of(URI.create("jmx:" + name));
  }

  @Override
  public synchronized void close() {
    if (!registered) {
      return;
    }
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException e) {
      // Someone else unregistered it; the goal is reached.
    } catch (MBeanRegistrationException e) {
      throw new IllegalStateException("cannot unregister " + name, e);
    }
    registered = false;
  }

  /** The MXBean itself: reads through to the system on every call. */
  static final class Bean implements OmegaMemoryMXBean {
    private final PerformanceMonitor monitor;
    private final MonitoredSystem system;

    Bean(PerformanceMonitor monitor, MonitoredSystem system) {
      this.monitor = monitor;
      this.system = system;
    }

    private MemoryStatistics stats() {
      return system.manager().getStatistics();
    }

    private Optional<GarbageCollector> collector() {
      return system.heap().map(ManagedHeap::collector);
    }

    private Optional<CollectionStatistics> collection() {
      return collector().map(GarbageCollector::getCollectionStatistics);
    }

    @Override
    public long getAllocatedBytes() {
      return stats().allocatedBytes();
    }

    @Override
    public long getRequestedBytes() {
      return stats().requestedBytes();
    }

    @Override
    public long getFreeBytes() {
      return stats().freeBytes();
    }

    @Override
    public long getPeakBytes() {
      return stats().peakBytes();
    }

    @Override
    public long getCapacityBytes() {
      return stats().capacityBytes();
    }

    @Override
    public long getLiveBlocks() {
      return stats().liveBlocks();
    }

    @Override
    public long getAllocations() {
      return stats().allocations();
    }

    @Override
    public long getDeallocations() {
      return stats().deallocations();
    }

    @Override
    public long getFailedAllocations() {
      return stats().totalFailures();
    }

    @Override
    public double getFragmentation() {
      return stats().fragmentation();
    }

    @Override
    public double getThreadCacheHitRate() {
      return stats().threadCacheHitRate();
    }

    @Override
    public long getAllocationLatencyP99Nanos() {
      return monitor.getMemoryMetrics().allocationLatency().p99Nanos();
    }

    @Override
    public long getDeallocationLatencyP99Nanos() {
      return monitor.getMemoryMetrics().deallocationLatency().p99Nanos();
    }

    @Override
    public String getCollector() {
      return collector().map(GarbageCollector::name).orElse("");
    }

    @Override
    public long getCollections() {
      return collection().map(CollectionStatistics::totalCollections).orElse(0L);
    }

    @Override
    public long getGcPauseMaxNanos() {
      return collection().map(c -> c.pauses().maxNanos()).orElse(0L);
    }

    @Override
    public long getGcPauseP99Nanos() {
      return collection().map(c -> c.pauses().p99Nanos()).orElse(0L);
    }

    @Override
    public long getHeapObjects() {
      return system.heap().map(ManagedHeap::objectCount).orElse(0L);
    }

    @Override
    public int getAlertCount() {
      return monitor.getPerformanceAlerts().size();
    }

    @Override
    public long forceCollection() {
      Optional<GarbageCollector> collector = collector();
      if (collector.isEmpty()) {
        return 0;
      }
      long before = collector.get().getCollectionStatistics().objectsFreed();
      collector.get().forceCollection();
      return collector.get().getCollectionStatistics().objectsFreed() - before;
    }

    @Override
    public boolean compact() {
      boolean moved = false;
      for (MemoryPool pool : system.manager().pools()) {
        moved |= pool.compact();
      }
      return moved;
    }

    @Override
    public String report() {
      return monitor.generateReport().toText();
    }
  }
}
