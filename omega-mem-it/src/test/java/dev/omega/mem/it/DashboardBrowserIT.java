package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.Priority;
import dev.omega.mem.runtime.OmegaMemory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's Chromium driven by Selenium through the system's
 * chromedriver ({@code .ci/run} installs both). The page must draw live charts from the sampler and
 * show the same figures {@code /api/metrics} serves.
 */
@Tag("performance_benchmarks")
class DashboardBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @Test
  void livePage_drawsChartsFromTheSampler_andAgreesWithTheApi(@TempDir Path profile)
      throws Exception {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (System.getenv("CI") == null) {
      assumeTrue(
          present,
          "Chromium is not installed; `bash .ci/run` installs it (apt-get install chromium"
              + " chromium-driver)");
    }
    assertTrue(present, "CI must have /usr/bin/chromium and /usr/bin/chromedriver (.ci/run)");

    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(8 << 20).build())
            .monitor(
                PerformanceMonitorConfig.builder()
                    .metricsCollectionInterval(Duration.ofMillis(200))
                    .dashboardPort(0)
                    .build())
            .build()) {
      List<MemoryBlock> held = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        held.add(omega.memoryManager().allocate(i % 2 == 0 ? 100 : 20_000, Priority.NORMAL));
      }
      // Enough allocations from this method that the site profile samples some (one in 8,192 a
      // thread), so the sites table has a row to show.
      for (int i = 0; i < 50_000; i++) {
        omega.memoryManager().deallocate(omega.memoryManager().allocate(64, Priority.NORMAL));
      }
      URI address = omega.dashboardAddress().orElseThrow();

      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments(
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--user-data-dir=" + profile);
      ChromeDriverService service =
          new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
      WebDriver browser = new ChromeDriver(service, options);
      try {
        browser.get(address.toString());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        // Live: the usage chart has drawn at least three sampler points.
        wait.until(
            d -> {
              String points = d.findElement(By.id("chart-usage")).getDomAttribute("data-points");
              return points != null && Integer.parseInt(points) >= 3;
            });
        String firstUpdate =
            browser.findElement(By.tagName("body")).getDomAttribute("data-updated");
        wait.until(
            d ->
                !firstUpdate.equals(
                    d.findElement(By.tagName("body")).getDomAttribute("data-updated")));

        String api =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(address.resolve("/api/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        long allocated = number(api, "allocated_bytes");
        assertEquals(
            omega.memoryManager().getStatistics().allocatedBytes(), allocated, "API is live");
        assertEquals(
            Long.toString(allocated),
            browser.findElement(By.id("allocated")).getDomAttribute("data-value"),
            "the page shows what the API serves");
        String polyline =
            browser.findElement(By.cssSelector("#chart-usage polyline")).getDomAttribute("points");
        assertTrue(polyline.split(" ").length >= 3, "a line with points: " + polyline);
        String runs = browser.findElement(By.id("page-map")).getDomAttribute("data-runs");
        assertEquals(
            (long) omega.memoryPool().pageRuns().size(),
            Long.parseLong(runs),
            "the page map draws every run of the pool");
        assertTrue(
            !browser.findElements(By.cssSelector("#page-map rect[data-state='SLAB']")).isEmpty()
                && !browser
                    .findElements(By.cssSelector("#page-map rect[data-state='RUN']"))
                    .isEmpty(),
            "slabs and runs are both visible");
        wait.until(d -> !"0".equals(d.findElement(By.id("sites")).getDomAttribute("data-sites")));
        List<WebElement> siteRows = browser.findElements(By.cssSelector("#sites tr"));
        String sitesApi =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(address.resolve("/api/sites?format=text")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
            siteRows.stream()
                .anyMatch(
                    r -> r.findElement(By.tagName("td")).getText().contains("DashboardBrowserIT")),
            "the sites table names this test's allocation site: " + sitesApi);
        assertTrue(sitesApi.contains("DashboardBrowserIT"), "and /api/sites does too: " + sitesApi);
      } finally {
        browser.quit();
      }
      held.forEach(omega.memoryManager()::deallocate);
    }
  }

  private static long number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
    assertTrue(m.find(), key + " in " + json);
    return Long.parseLong(m.group(1));
  }
}
