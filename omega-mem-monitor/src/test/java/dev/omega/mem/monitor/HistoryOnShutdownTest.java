package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A monitoring process killed by SIGTERM ({@link Process#destroy()} on Linux) keeps its history.
 */
class HistoryOnShutdownTest {
  @Test
  void sigterm_whileMonitoring_leavesAReadableHistoryFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.tsv");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java,
                "-Xshare:off",
                "-cp",
                System.getProperty("java.class.path"),
                HistoryOnShutdownMain.class.getName(),
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> readLine(out)).get(60, TimeUnit.SECONDS);
      assertEquals("ready", first);
      assertFalse(Files.exists(file), "nothing wrote the history before the signal");

      process.destroy();

      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process ended on SIGTERM");
    } finally {
      process.destroyForcibly();
    }
    assertTrue(Files.exists(file), "the shutdown hook wrote the history");
    List<?> samples = HistoryFile.read(file, 1000);
    assertTrue(samples.size() >= 3, "samples: " + samples.size());
  }

  private static String readLine(BufferedReader in) {
    try {
      return in.readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
