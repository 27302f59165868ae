package dev.omega.mem.api.monitor;

/** What a {@link PerformanceAlert} is about. */
public enum AlertType {
  ALLOCATION_LATENCY,
  DEALLOCATION_LATENCY,
  GC_PAUSE,
  MEMORY_PRESSURE,
  FRAGMENTATION,
  MEMORY_LEAK,
  ALLOCATION_FAILURE
}
