package dev.omega.mem.monitor;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.AlertListener;
import dev.omega.mem.api.monitor.PerformanceAlert;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MonitoredSystem;

/**
 * Turns allocation failures, collections, compactions, leaks and alerts into {@link JfrEvents}.
 * Those are rare, and each event is filled in only when a recording has enabled it. Registering an
 * allocation listener does make the manager time its sampled calls (one in 64), which this exporter
 * then ignores: the same small cost as monitoring.
 */
final class JfrExporter
    implements MetricsExporter, AllocationListener, CollectionListener, AlertListener {
  private final PerformanceMonitor monitor;
  private final MonitoredSystem system;
  private boolean started;

  /**
   * The timed event begun when a collection or compaction started, by thread: the work ends on the
   * thread that began it, and two collectors or pools may work at once on different threads.
   */
  private final ThreadLocal<JfrEvents.Collection> collectionInFlight = new ThreadLocal<>();

  private final ThreadLocal<JfrEvents.Compaction> compactionInFlight = new ThreadLocal<>();

  JfrExporter(PerformanceMonitor monitor, MonitoredSystem system) {
    this.monitor = monitor;
    this.system = system;
  }

  @Override
  public synchronized void start() {
    if (started) {
      return;
    }
    system.manager().addAllocationListener(this);
    system.heap().map(ManagedHeap::collector).ifPresent(c -> c.addCollectionListener(this));
    monitor.addAlertListener(this);
    started = true;
  }

  @Override
  public void onFailure(long size, Priority priority, AllocationFailure cause) {
    JfrEvents.AllocationFailure event = new JfrEvents.AllocationFailure();
    if (event.isEnabled()) {
      event.size = size;
      event.priority = priority.name();
      event.cause = cause.name();
      event.commit();
    }
  }

  @Override
  public void onCompactionStarting() {
    JfrEvents.Compaction event = new JfrEvents.Compaction();
    if (event.isEnabled()) {
      event.begin();
      compactionInFlight.set(event);
    }
  }

  @Override
  public void onCompaction(long bytesMoved, long nanos) {
    JfrEvents.Compaction event = compactionInFlight.get();
    compactionInFlight.remove();
    if (event != null) {
      event.bytesMoved = bytesMoved;
      event.commit();
    }
  }

  @Override
  public void onLeak(LeakReport leak) {
    JfrEvents.Leak event = new JfrEvents.Leak();
    if (event.isEnabled()) {
      event.size = leak.size();
      event.site = leak.allocationSite();
      event.domain = leak.domain();
      event.reclaimed = leak.reclaimed();
      event.commit();
    }
  }

  @Override
  public void onCollectionStarting(CollectionCause cause) {
    JfrEvents.Collection event = new JfrEvents.Collection();
    if (event.isEnabled()) {
      event.begin();
      collectionInFlight.set(event);
    }
  }

  @Override
  public void onCollection(CollectionEvent collection) {
    JfrEvents.Collection event = collectionInFlight.get();
    collectionInFlight.remove();
    if (event != null) {
      event.collector = collection.collector();
      event.cause = collection.cause().name();
      event.generation = collection.generation();
      event.objectsFreed = collection.objectsFreed();
      event.bytesFreed = collection.bytesFreed();
      event.objectsPromoted = collection.objectsPromoted();
      event.commit();
    }
  }

  @Override
  public void onAlert(PerformanceAlert alert) {
    JfrEvents.Alert event = new JfrEvents.Alert();
    if (event.isEnabled()) {
      event.type = alert.type().name();
      event.severity = alert.severity().name();
      event.message = alert.message();
      event.value = alert.value();
      event.threshold = alert.threshold();
      event.commit();
    }
  }

  @Override
  public synchronized void close() {
    if (!started) {
      return;
    }
    system.manager().removeAllocationListener(this);
    system.heap().map(ManagedHeap::collector).ifPresent(c -> c.removeCollectionListener(this));
    monitor.removeAlertListener(this);
    started = false;
  }
}
