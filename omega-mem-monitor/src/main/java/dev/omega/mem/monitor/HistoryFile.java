package dev.omega.mem.monitor;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * The monitor's history on disk: one tab-separated line per sample under a header line, so that a
 * later run (or a spreadsheet, or {@code awk}) can read it back.
 *
 * <p>Writing survives a crash at any point: the samples go to a temporary file in the same
 * directory, which is forced to the disk ({@link FileChannel#force}) and then renamed over the old
 * file in one atomic step, and the directory is forced so that the rename itself is durable. A
 * crash leaves the previous history or the new one, never half a file; a failed write deletes its
 * temporary file.
 *
 * <p>Reading streams the file and keeps only the newest samples asked for, so a file grown by
 * another configuration costs no more memory than {@code history_size}. A file that is empty, is
 * not a history file, or has a line that does not parse is moved aside as {@code
 * <name>.corrupt-<UTC time>} with a warning, and the monitor starts with no history: losing a
 * history must not stop the application it describes.
 */
final class HistoryFile {
  /**
   * The columns before the latency sums were kept: files with this header are still read, their
   * sums as 0.
   */
  static final String HEADER_WITHOUT_SUMS =
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

  static final String HEADER =
      String.join("\t", HEADER_WITHOUT_SUMS, "alloc_sum_ns", "free_sum_ns", "gc_sum_ns");
  private static final int FIELDS = HEADER.split("\t").length;
  private static final int FIELDS_WITHOUT_SUMS = HEADER_WITHOUT_SUMS.split("\t").length;
  private static final DateTimeFormatter ASIDE_STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private HistoryFile() {}

  static void write(Path file, List<MemoryMetrics> samples) {
    Path parent = file.toAbsolutePath().getParent();
    Path temporary = null;
    try {
      Files.createDirectories(parent);
      temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
          Writer out =
              new BufferedWriter(
                  new OutputStreamWriter(
                      Channels.newOutputStream(channel), StandardCharsets.UTF_8))) {
        out.write(HEADER);
        out.write('\n');
        for (MemoryMetrics m : samples) {
          out.write(line(m));
          out.write('\n');
        }
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(
            temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
      temporary = null;
      forceDirectory(parent);
    } catch (IOException e) {
      UncheckedIOException failure =
          new UncheckedIOException("cannot write monitor history to " + file, e);
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException cleanup) {
          failure.addSuppressed(cleanup);
        }
      }
      throw failure;
    }
  }

  /** Makes a rename in {@code directory} durable, where the platform can open a directory. */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory; there the rename is as durable as the platform makes it.
    }
  }

  /**
   * The newest {@code keep} samples in {@code file}, oldest first; none if it does not exist yet. A
   * corrupt file is moved aside with a warning and reads as none.
   */
  static List<MemoryMetrics> load(Path file, int keep) {
    try {
      return read(file, keep);
    } catch (CorruptHistory e) {
      Path aside =
          file.resolveSibling(file.getFileName() + ".corrupt-" + ASIDE_STAMP.format(Instant.now()));
      try {
        Files.move(file, aside);
      } catch (IOException moveFailed) {
        throw new ConfigurationException(
            new ConfigProblem(
                "history_file",
                file,
                "a history file written by Omega Memory ("
                    + e.getMessage()
                    + ", and it cannot be moved aside: "
                    + moveFailed
                    + ")"));
      }
      System.getLogger("omega.monitor")
          .log(
              System.Logger.Level.WARNING,
              "monitor history "
                  + file
                  + " is not readable as history ("
                  + e.getMessage()
                  + "); moved it to "
                  + aside
                  + " and started with an empty history");
      return List.of();
    }
  }

  /** Why a file is not a history file; {@link #load} moves such a file aside. */
  static final class CorruptHistory extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptHistory(String message) {
      super(message);
    }
  }

  /** The newest {@code keep} samples in {@code file}, streamed; none if it does not exist yet. */
  static List<MemoryMetrics> read(Path file, int keep) throws CorruptHistory {
    ArrayDeque<MemoryMetrics> newest = new ArrayDeque<>(Math.min(keep, 4096));
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) {
        throw new CorruptHistory("the file is empty");
      }
      int fields;
      if (header.equals(HEADER)) {
        fields = FIELDS;
      } else if (header.equals(HEADER_WITHOUT_SUMS)) {
        fields = FIELDS_WITHOUT_SUMS;
      } else {
        throw new CorruptHistory("its first line is not the column header");
      }
      long lineNumber = 1;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        try {
          newest.addLast(parse(line, fields));
        } catch (RuntimeException e) {
          throw new CorruptHistory(
              "line " + lineNumber + " is not " + fields + " fields (" + e.getMessage() + ")");
        }
        if (newest.size() > keep) {
          newest.removeFirst();
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (CharacterCodingException e) {
      throw new CorruptHistory("it is not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigurationException(
          new ConfigProblem(
              "history_file",
              file,
              "a readable file, or a path that does not exist yet (" + e + ")"));
    }
    return List.copyOf(newest);
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
        number(m.allocationsPerSecond()),
        Long.toString(m.allocationLatency().totalNanos()),
        Long.toString(m.deallocationLatency().totalNanos()),
        Long.toString(m.gcPause().totalNanos()));
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

  private static MemoryMetrics parse(String line, int fields) {
    String[] f = line.split("\t", -1);
    if (f.length != fields) {
      throw new IllegalArgumentException("found " + f.length + " fields");
    }
    return new MemoryMetrics(
        Instant.parse(f[0]),
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        Long.parseLong(f[3]),
        Long.parseLong(f[4]),
        Double.parseDouble(f[5]),
        latency(f, 6, sum(f, 25)),
        latency(f, 11, sum(f, 26)),
        latency(f, 16, sum(f, 27)),
        Double.parseDouble(f[21]),
        Double.parseDouble(f[22]),
        Long.parseLong(f[23]),
        Double.parseDouble(f[24]));
  }

  private static long sum(String[] f, int index) {
    return index < f.length ? Long.parseLong(f[index]) : 0;
  }

  private static LatencySummary latency(String[] f, int from, long sum) {
    return new LatencySummary(
        Long.parseLong(f[from]),
        Long.parseLong(f[from + 1]),
        Long.parseLong(f[from + 2]),
        Long.parseLong(f[from + 3]),
        Long.parseLong(f[from + 4]),
        sum);
  }
}
