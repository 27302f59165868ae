package dev.omega.mem.api.monitor;

/** Told of each alert as it is raised, on the sampler thread; must be quick. */
@FunctionalInterface
public interface AlertListener {
  void onAlert(PerformanceAlert alert);
}
