package dev.omega.mem.api.monitor;

/**
 * The JMX view of an Omega Memory system, registered by the {@code jmx} exporter as {@code
 * dev.omega.mem:type=OmegaMemory,name=<pool>}. Attributes are read live from the manager, pool,
 * collector and monitor; JConsole and VisualVM show them without any Omega class on their class
 * path because it is an MXBean (open types only).
 */
public interface OmegaMemoryMXBean {

  long getAllocatedBytes();

  long getRequestedBytes();

  long getFreeBytes();

  long getPeakBytes();

  long getCapacityBytes();

  long getLiveBlocks();

  long getAllocations();

  long getDeallocations();

  long getFailedAllocations();

  double getFragmentation();

  double getThreadCacheHitRate();

  long getAllocationLatencyP99Nanos();

  long getDeallocationLatencyP99Nanos();

  /** Collector name, or an empty string when no managed heap is in use. */
  String getCollector();

  long getCollections();

  long getGcPauseMaxNanos();

  long getGcPauseP99Nanos();

  long getHeapObjects();

  int getAlertCount();

  /** Runs a full collection now; returns the objects it freed (0 without a managed heap). */
  long forceCollection();

  /** Compacts every pool; returns {@code true} if anything moved. */
  boolean compact();

  /** The monitor's report as text. */
  String report();
}
