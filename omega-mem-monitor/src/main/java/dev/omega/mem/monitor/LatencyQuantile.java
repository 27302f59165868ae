package dev.omega.mem.monitor;

import dev.omega.mem.api.monitor.LatencySummary;
import java.util.function.ToLongFunction;

/**
 * The quantiles a sampled latency is published with, in every system that publishes them: the
 * Prometheus summary's {@code quantile} label and the Micrometer binder's {@code phi} tag. One
 * list, so that the two expositions cannot come to offer different quantiles of the same figure.
 */
enum LatencyQuantile {
  P50("0.5", LatencySummary::p50Nanos),
  P90("0.9", LatencySummary::p90Nanos),
  P99("0.99", LatencySummary::p99Nanos);

  private final String label;
  private final ToLongFunction<LatencySummary> nanos;

  LatencyQuantile(String label, ToLongFunction<LatencySummary> nanos) {
    this.label = label;
    this.nanos = nanos;
  }

  /** The quantile as both systems write it, as Micrometer formats its own {@code phi} tags. */
  String label() {
    return label;
  }

  /** This quantile of {@code summary}, in seconds. */
  double seconds(LatencySummary summary) {
    return nanos.applyAsLong(summary) / 1e9;
  }
}
