package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFileTest {
  @TempDir Path dir;

  static List<MemoryMetrics> samples(int count) {
    LatencySummary none = new LatencySummary(0, 0, 0, 0, 0, 0);
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    List<MemoryMetrics> samples = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      samples.add(
          new MemoryMetrics(t0.plusSeconds(i), i, 0, i, 1 << 20, 0, none, none, none, 1, 0, 0, 0));
    }
    return samples;
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.sorted().toList();
    }
  }

  @Test
  void load_emptyFile_movesItAsideAndReturnsNoHistory() throws IOException {
    Path file = dir.resolve("history.tsv");
    Files.writeString(file, "");

    List<MemoryMetrics> loaded = HistoryFile.load(file, 10);

    assertEquals(List.of(), loaded);
    assertFalse(Files.exists(file));
    List<Path> left = files();
    assertEquals(1, left.size(), left.toString());
    assertTrue(left.get(0).getFileName().toString().startsWith("history.tsv.corrupt-"), left + "");
  }

  @Test
  void load_garbageFile_movesItAsideKeepingItsBytes() throws IOException {
    Path file = dir.resolve("history.tsv");
    Files.writeString(file, "shopping list\n\u0000\u00ff garbage\n");

    List<MemoryMetrics> loaded = HistoryFile.load(file, 10);

    assertEquals(List.of(), loaded);
    assertFalse(Files.exists(file));
    List<Path> left = files();
    assertEquals(1, left.size(), left.toString());
    assertEquals("shopping list\n\u0000\u00ff garbage\n", Files.readString(left.get(0)));
  }

  @Test
  void load_headerThenABrokenLine_movesItAside() throws IOException {
    Path file = dir.resolve("history.tsv");
    HistoryFile.write(file, samples(3));
    Files.writeString(
        file, "2025-01-01T00:00:09Z\t1\t2\n", java.nio.file.StandardOpenOption.APPEND);

    assertEquals(List.of(), HistoryFile.load(file, 10));
    assertFalse(Files.exists(file));
  }

  @Test
  void load_fileWrittenBeforeTheLatencySums_isReadWithSumsOfZero() throws IOException {
    Path file = dir.resolve("history.tsv");
    HistoryFile.write(file, samples(2));
    List<String> lines = Files.readAllLines(file);
    StringBuilder older = new StringBuilder(HistoryFile.HEADER_WITHOUT_SUMS).append('\n');
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t", -1);
      older.append(String.join("\t", java.util.Arrays.copyOf(f, f.length - 3))).append('\n');
    }
    Files.writeString(file, older);

    List<MemoryMetrics> loaded = HistoryFile.load(file, 10);

    assertEquals(2, loaded.size());
    assertEquals(0, loaded.get(0).allocationLatency().totalNanos());
    assertEquals(samples(2).get(1).leakSuspects(), loaded.get(1).leakSuspects());
  }

  @Test
  void load_fileOfTenTimesTheHistorySize_keepsTheNewest() {
    Path file = dir.resolve("history.tsv");
    List<MemoryMetrics> written = samples(1000);
    HistoryFile.write(file, written);

    List<MemoryMetrics> loaded = HistoryFile.load(file, 100);

    assertEquals(written.subList(900, 1000), loaded);
  }

  @Test
  void write_whenTheTargetIsADirectory_failsLeavingNoTemporaryFile() throws IOException {
    Path file = dir.resolve("history.tsv");
    Files.createDirectories(file.resolve("occupied"));

    assertThrows(UncheckedIOException.class, () -> HistoryFile.write(file, samples(3)));

    assertEquals(List.of(file), files(), "only the directory that was in the way");
  }

  @Test
  void write_overAnOlderHistory_replacesItWhole() {
    Path file = dir.resolve("history.tsv");
    HistoryFile.write(file, samples(50));
    List<MemoryMetrics> newer = samples(2);

    HistoryFile.write(file, newer);

    assertEquals(newer, HistoryFile.load(file, 100));
  }
}
