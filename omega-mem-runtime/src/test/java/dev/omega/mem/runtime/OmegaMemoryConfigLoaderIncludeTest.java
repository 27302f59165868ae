package dev.omega.mem.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.runtime.OmegaMemoryConfigLoader.FileIncludes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Substitutions and includes: no network, no silent skips, every problem a named one. */
class OmegaMemoryConfigLoaderIncludeTest {
  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private static ConfigProblem problemOf(ConfigurationException e, String key) {
    return e.problems().stream()
        .filter(p -> p.key().equals(key))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no problem for " + key + " in " + e.getMessage()));
  }

  @Test
  void load_unsetSubstitution_namesTheKeyWithTheOtherProblems() throws Exception {
    Path file = write("omega-mem.conf", "pool_size = ${OMEGA_TEST_NEVER_SET}\nblock_size = 1000\n");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.load(file));
    ConfigProblem p = problemOf(e, "pool_size");
    assertTrue(String.valueOf(p.value()).contains("OMEGA_TEST_NEVER_SET"), e.getMessage());
    assertTrue(p.expected().contains("${?NAME}"), p.expected());
    problemOf(e, "block_size");
    assertEquals(2, e.problems().size(), e.getMessage());
  }

  @Test
  void parse_unsetSubstitutionInNestedKey_namesTheDottedKey() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                OmegaMemoryConfigLoader.parse(
                    "performance_thresholds { gc_pause_time = ${OMEGA_TEST_NEVER_SET} }"));
    problemOf(e, "performance_thresholds.gc_pause_time");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "include url(\"http://127.0.0.1:%d/x.conf\")",
        "include required(url(\"http://127.0.0.1:%d/x.conf\"))",
        "include \"http://127.0.0.1:%d/x.conf\""
      })
  @Timeout(60)
  void load_urlInclude_isRefusedWithoutConnecting(String include) throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!server.isClosed()) {
                      try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                      } catch (IOException e) {
                        return;
                      }
                    }
                  });
      Path file =
          write(
              "omega-mem.conf", include.formatted(server.getLocalPort()) + "\npool_size = 1MiB\n");
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> OmegaMemoryConfigLoader.load(file, FileIncludes.ALLOW));
      ConfigProblem p = problemOf(e, "include");
      assertTrue(String.valueOf(p.value()).contains("127.0.0.1"), e.getMessage());
      assertTrue(p.expected().contains("network"), p.expected());
      server.close();
      acceptor.join();
    }
    assertEquals(0, connections.get(), "loading the configuration connected to the server");
  }

  @Test
  void load_fileIncludeByDefault_isRefusedNamingTheSwitch() throws Exception {
    Path other = write("other.conf", "block_size = 8192\n");
    Path file = write("omega-mem.conf", "include file(\"" + other + "\")\n");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.load(file));
    ConfigProblem p = problemOf(e, "include");
    assertTrue(String.valueOf(p.value()).contains("other.conf"), e.getMessage());
    assertTrue(p.expected().contains("FileIncludes.ALLOW"), p.expected());
  }

  @Test
  void load_fileIncludeAllowed_readsTheIncludedFile() throws Exception {
    write("other.conf", "block_size = 8192\n");
    Path file = write("omega-mem.conf", "include file(\"other.conf\")\npool_size = 1MiB\n");
    OmegaMemoryConfig c = OmegaMemoryConfigLoader.load(file, FileIncludes.ALLOW);
    assertEquals(8192, c.pool().blockSize());
    assertEquals(1 << 20, c.pool().poolSize());
  }

  @Test
  void load_plainIncludeAllowed_readsTheFileBesideIt() throws Exception {
    write("other.conf", "block_size = 8192\n");
    Path file = write("omega-mem.conf", "include \"other.conf\"\n");
    assertEquals(8192, OmegaMemoryConfigLoader.load(file, FileIncludes.ALLOW).pool().blockSize());
  }

  @Test
  void load_missingFileIncludeAllowed_isAnErrorNamingTheFile() throws Exception {
    Path file = write("omega-mem.conf", "include file(\"gone.conf\")\npool_size = 1MiB\n");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> OmegaMemoryConfigLoader.load(file, FileIncludes.ALLOW));
    ConfigProblem p = problemOf(e, "include");
    assertTrue(String.valueOf(p.value()).contains("gone.conf"), e.getMessage());
    assertTrue(p.expected().contains("missing include is an error"), p.expected());
  }

  @Test
  void load_classpathIncludeByDefault_isRefused() throws Exception {
    Path file = write("omega-mem.conf", "include classpath(\"omega-mem.conf\")\n");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.load(file));
    assertTrue(problemOf(e, "include").expected().contains("FileIncludes.ALLOW"));
  }

  @Test
  void load_refusedIncludeAndBadValue_reportsBothTogether() throws Exception {
    Path file =
        write("omega-mem.conf", "include url(\"http://127.0.0.1:1/x\")\ngenerational_count = 9\n");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.load(file));
    problemOf(e, "include");
    problemOf(e, "generational_count");
    assertEquals(2, e.problems().size(), e.getMessage());
  }
}
