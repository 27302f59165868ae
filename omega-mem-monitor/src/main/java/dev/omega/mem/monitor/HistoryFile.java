package dev.omega.mem.monitor;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The monitor's history on disk: one tab-separated line per sample under a header line, so that a
 * later run (or a spreadsheet, or {@code awk}) can read it back. Written whole to a temporary file
 * and moved into place, so a crash mid-write leaves the previous history rather than half a file.
 */
final class HistoryFile {
  static final String HEADER =
      String.join(
          "\t",
          "timestamp",
          "allocated_bytes",
          "free_bytes",
          "peak_bytes",
          "capacity_bytes",
          "fragmentation",
          "alloc_samples",
          "alloc_p50_ns",
          "alloc_p90_ns",
          "alloc_p99_ns",
          "alloc_max_ns",
          "free_samples",
          "free_p50_ns",
          "free_p90_ns",
          "free_p99_ns",
          "free_max_ns",
          "gc_pauses",
          "gc_p50_ns",
          "gc_p90_ns",
          "gc_p99_ns",
          "gc_max_ns",
          "pool_efficiency",
          "thread_cache_hit_rate",
          "leak_suspects",
          "allocations_per_second");
  private static final int FIELDS = HEADER.split("\t").length;

  private HistoryFile() {}

  static void write(Path file, List<MemoryMetrics> samples) {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    for (MemoryMetrics m : samples) {
      text.append(line(m)).append('\n');
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
      Files.writeString(temporary, text, StandardCharsets.UTF_8);
      try {
        Files.move(
            temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write monitor history to " + file, e);
    }
  }

  /** Samples in {@code file}; none if it does not exist yet. */
  static List<MemoryMetrics> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read monitor history " + file, e);
    }
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw new ConfigurationException(
          new ConfigProblem(
              "history_file",
              file,
              "a history file written by Omega Memory (its first line is the column header), or a"
                  + " path that does not exist yet"));
    }
    List<MemoryMetrics> samples = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        samples.add(parse(line));
      } catch (RuntimeException e) {
        throw new ConfigurationException(
            new ConfigProblem(
                "history_file",
                file + " line " + (i + 1),
                FIELDS + " tab-separated fields as in the header (" + e.getMessage() + ")"));
      }
    }
    return samples;
  }

  private static String line(MemoryMetrics m) {
    return String.join(
        "\t",
        m.timestamp().toString(),
        Long.toString(m.allocatedBytes()),
        Long.toString(m.freeBytes()),
        Long.toString(m.peakBytes()),
        Long.toString(m.capacityBytes()),
        number(m.fragmentation()),
        latency(m.allocationLatency()),
        latency(m.deallocationLatency()),
        latency(m.gcPause()),
        number(m.poolEfficiency()),
        number(m.threadCacheHitRate()),
        Long.toString(m.leakSuspects()),
        number(m.allocationsPerSecond()));
  }

  private static String latency(LatencySummary l) {
    return l.samples()
        + "\t"
        + l.p50Nanos()
        + "\t"
        + l.p90Nanos()
        + "\t"
        + l.p99Nanos()
        + "\t"
        + l.maxNanos();
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.6f", value);
  }

  private static MemoryMetrics parse(String line) {
    String[] f = line.split("\t", -1);
    if (f.length != FIELDS) {
      throw new IllegalArgumentException("found " + f.length + " fields");
    }
    return new MemoryMetrics(
        Instant.parse(f[0]),
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        Long.parseLong(f[3]),
        Long.parseLong(f[4]),
        Double.parseDouble(f[5]),
        latency(f, 6),
        latency(f, 11),
        latency(f, 16),
        Double.parseDouble(f[21]),
        Double.parseDouble(f[22]),
        Long.parseLong(f[23]),
        Double.parseDouble(f[24]));
  }

  private static LatencySummary latency(String[] f, int from) {
    return new LatencySummary(
        Long.parseLong(f[from]),
        Long.parseLong(f[from + 1]),
        Long.parseLong(f[from + 2]),
        Long.parseLong(f[from + 3]),
        Long.parseLong(f[from + 4]));
  }
}
