package dev.omega.mem.monitor;

import dev.omega.mem.api.PerformanceMonitorConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A process that monitors with a history file and waits to be killed: {@link HistoryOnShutdownTest}
 * sends it SIGTERM and reads the file. It prints {@code ready} once it has samples; it exits by
 * itself after a minute so that a failed test leaves no process behind.
 */
final class HistoryOnShutdownMain {
  private HistoryOnShutdownMain() {}

  public static void main(String[] args) throws InterruptedException {
    PerformanceMonitorConfig config =
        PerformanceMonitorConfig.builder()
            .metricsCollectionInterval(Duration.ofMillis(10))
            .historyFile(Path.of(args[0]))
            .build();
    FakeSystem fake = new FakeSystem();
    // Periodic writes every hour of samples: only the shutdown hook can write within the test.
    SamplingPerformanceMonitor monitor =
        new SamplingPerformanceMonitor(
            config, fake.system(), Clock.systemUTC(), Duration.ofHours(1));
    monitor.startMonitoring();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (monitor.history().size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Duration.ofMinutes(1));
  }
}
