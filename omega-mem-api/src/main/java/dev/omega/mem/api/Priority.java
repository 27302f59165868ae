package dev.omega.mem.api;

/**
 * How important an allocation is under memory pressure. When the pool is nearly full, lower
 * priorities are refused first; a reserve (see {@link
 * MemoryManagerConfig#criticalReserveFraction()}) is kept that only {@link #CRITICAL} requests may
 * use.
 */
public enum Priority {
  LOW,
  NORMAL,
  HIGH,
  CRITICAL
}
