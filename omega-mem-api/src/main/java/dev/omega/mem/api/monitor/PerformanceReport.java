package dev.omega.mem.api.monitor;

import java.time.Instant;
import java.util.List;

/** A report on memory performance, renderable for people and programs. */
public interface PerformanceReport {

  Instant generatedAt();

  /** The latest sample. */
  MemoryMetrics current();

  /** Samples kept in history, oldest first. */
  List<MemoryMetrics> history();

  List<PerformanceAlert> alerts();

  /** Bottlenecks named in plain words, worst first; empty when nothing stands out. */
  List<String> bottlenecks();

  String toText();

  String toJson();

  /** A self-contained HTML page with charts. */
  String toHtml();
}
