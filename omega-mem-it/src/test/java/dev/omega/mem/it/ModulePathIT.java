package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled system on the module path, as a modular application runs it: every published module
 * is an explicit module, and native access is granted to {@code dev.omega.mem.pool} alone.
 *
 * <p>The module path is {@code target/module.path}, which {@code maven-dependency-plugin} writes
 * from this module's runtime dependencies: the library, the command, and what they need at run time
 * (Guice and its dependencies, Typesafe Config, Caffeine, picocli, SLF4J), none of the test
 * libraries. The command, a module itself, runs with no {@code --add-modules}, {@code --add-reads}
 * or {@code --add-opens}: the descriptors alone must be enough.
 */
@Tag("contracts")
class ModulePathIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path MODULE_PATH_FILE = Path.of("target/module.path");
  private static final String POOL_MODULE = "dev.omega.mem.pool";
  private static final Set<String> NEVER_PUBLISHED =
      Set.of("omega-mem-bom", "omega-mem-bench", "omega-mem-it");

  /** This module's own jar is on Failsafe's class path, an automatic module with this name. */
  private static final Set<String> NEVER_PUBLISHED_MODULES =
      Set.of("dev.omega.mem.bench", "dev.omega.mem.it");

  record Run(int exit, String out, String err) {
    String printed() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }

    /** Lines the JDK ({@code WARNING:}) or SLF4J ({@code SLF4J(W):}) warns with. */
    List<String> warnings() {
      return Stream.concat(out.lines(), err.lines())
          .filter(line -> line.startsWith("WARNING") || line.startsWith("SLF4J(W)"))
          .toList();
    }
  }

  @Test
  void publishedModules_areExplicitModules_namedAfterTheirArtifacts() throws IOException {
    Map<String, ModuleReference> found = omegaModules();
    Set<String> expected =
        publishedArtifacts().stream()
            .map(artifact -> "dev.omega.mem." + artifact.substring("omega-mem-".length()))
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, found.keySet(), "a module with a descriptor per published artifact");
    for (ModuleReference module : found.values()) {
      ModuleDescriptor descriptor = module.descriptor();
      assertFalse(descriptor.isAutomatic(), descriptor.name() + " is automatic: " + module);
    }
  }

  /**
   * On the class path {@code META-INF/services} registers the providers, on the module path {@code
   * provides}: a provider listed in only one is found by only one kind of application.
   */
  @Test
  void providesInTheDescriptor_listTheSameProvidersAsMetaInfServices() throws IOException {
    for (ModuleReference module : omegaModules().values()) {
      Map<String, List<String>> services = new TreeMap<>();
      try (ModuleReader reader = module.open()) {
        List<String> files =
            reader.list().filter(name -> name.matches("META-INF/services/[^/]+")).toList();
        for (String file : files) {
          try (InputStream in = reader.open(file).orElseThrow()) {
            services.put(
                file.substring("META-INF/services/".length()),
                new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .map(line -> line.replaceAll("#.*", "").strip())
                    .filter(line -> !line.isEmpty())
                    .toList());
          }
        }
      }
      Map<String, List<String>> provides = new TreeMap<>();
      for (ModuleDescriptor.Provides p : module.descriptor().provides()) {
        provides.put(p.service(), p.providers());
      }
      assertEquals(services, provides, module.descriptor().name());
    }
  }

  /**
   * The command with every exporter on (the MXBean, JFR events, the dashboard's server), so that
   * what they do by reflection or from their own resources runs across module boundaries too.
   */
  @Test
  void omegaCommand_onTheModulePath_runsWithNativeAccessForThePoolAlone(@TempDir Path dir)
      throws Exception {
    Path conf = dir.resolve("omega-mem.conf");
    Files.writeString(conf, "exporters = [jmx, jfr]\ndashboard_port = 0\n");
    Run r =
        java(
            List.of(
                "--module-path",
                modulePath(),
                "--enable-native-access=" + POOL_MODULE,
                "-m",
                "dev.omega.mem.cli/dev.omega.mem.cli.OmegaCommand",
                "memory",
                "--report",
                "--config",
                conf.toString(),
                "--operations",
                "20000"));
    assertEquals(0, r.exit(), r.printed());
    assertTrue(r.out().contains("Omega Memory report"), r.printed());
    assertTrue(r.out().contains("mixed: 20,000 operations"), r.printed());
    assertTrue(r.out().contains("0 errors"), r.printed());
    Matcher freed = Pattern.compile("freed ([0-9,]+) objects").matcher(r.out());
    assertTrue(freed.find(), r.printed());
    assertTrue(Long.parseLong(freed.group(1).replace(",", "")) > 0, "the collector freed objects");
    // The monitor's report: the sampling monitor and the allocation-site profile worked.
    assertTrue(r.out().contains("Omega Memory performance report"), r.printed());
    assertEquals(List.of(), r.warnings(), r.printed());
  }

  /**
   * The grant reaches the pool: it uses direct memory, which it does only when its own module has
   * native access. With the grant nowhere, the same program shows checked memory, so the figure
   * tells the two apart.
   */
  @Test
  void poolModule_withTheGrant_usesDirectMemory_andWithoutIt_checkedMemory() throws Exception {
    assumeTrue(
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch")),
        "direct pool memory exists on Linux on x86-64 and AArch64 only");
    Run granted = program("--enable-native-access=" + POOL_MODULE);
    assertEquals(0, granted.exit(), granted.printed());
    assertEquals(List.of(), granted.warnings(), granted.printed());
    for (String module : omegaModules().keySet()) {
      if (module.equals("dev.omega.mem.cli") || module.equals("dev.omega.mem.testkit")) {
        continue; // not resolved: nothing the program uses requires them
      }
      String expected = module.equals(POOL_MODULE) ? "true" : "false";
      assertTrue(
          granted.out().contains("module " + module + " explicit native-access=" + expected),
          granted.printed());
    }
    assertTrue(
        residentGrowth(granted) < ModulePathProgram.POOL_BYTES / 2,
        "a direct pool is committed as it is touched: " + granted.printed());

    Run withheld = program();
    assertEquals(0, withheld.exit(), withheld.printed());
    assertEquals(List.of(), withheld.warnings(), "no grant, no warning: " + withheld.printed());
    assertTrue(
        withheld.out().contains("module " + POOL_MODULE + " explicit native-access=false"),
        withheld.printed());
    assertTrue(
        residentGrowth(withheld) >= ModulePathProgram.POOL_BYTES / 2,
        "a checked pool is zeroed when it is reserved: " + withheld.printed());
  }

  /**
   * Runs {@link ModulePathProgram} from this module's test classes, with the library on the module
   * path; {@code --add-modules} roots the runtime, as a class-path application must.
   */
  private static Run program(String... jvmOptions) throws Exception {
    List<String> command = new ArrayList<>(Arrays.asList(jvmOptions));
    command.addAll(
        List.of(
            "--module-path",
            modulePath(),
            "--add-modules",
            "dev.omega.mem.runtime",
            "-cp",
            Path.of(
                    ModulePathProgram.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString(),
            ModulePathProgram.class.getName()));
    return java(command);
  }

  private static long residentGrowth(Run run) {
    Matcher m = Pattern.compile("resident-growth=(-?[0-9]+)").matcher(run.out());
    assertTrue(m.find(), run.printed());
    return Long.parseLong(m.group(1));
  }

  private static Run java(List<String> arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(arguments);
    Process p = new ProcessBuilder(command).start();
    // Read stderr beside stdout, so that neither pipe fills up and blocks the child.
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    String out = readAll(p.getInputStream());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + command);
    return new Run(p.exitValue(), out, err.join());
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String modulePath() throws IOException {
    assertTrue(
        Files.isRegularFile(MODULE_PATH_FILE),
        "maven-dependency-plugin writes it at process-test-classes: " + MODULE_PATH_FILE);
    return Files.readString(MODULE_PATH_FILE).strip();
  }

  /**
   * Every Omega module reachable from the module path, and from this JVM's class path for those
   * only tests use (the testkit): jars and {@code target/classes} folders, by module name.
   */
  private static Map<String, ModuleReference> omegaModules() throws IOException {
    Map<String, ModuleReference> found = new TreeMap<>();
    Stream.concat(
            Arrays.stream(modulePath().split(File.pathSeparator)),
            Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)))
        .map(Path::of)
        .filter(p -> p.toString().contains("omega-mem-"))
        .filter(p -> p.toString().endsWith(".jar") || p.endsWith(Path.of("target", "classes")))
        .filter(p -> !p.getFileName().toString().equals("omega.jar"))
        .forEach(
            p ->
                ModuleFinder.of(p).findAll().stream()
                    .filter(m -> m.descriptor().name().startsWith("dev.omega.mem."))
                    .filter(m -> !NEVER_PUBLISHED_MODULES.contains(m.descriptor().name()))
                    .forEach(m -> found.putIfAbsent(m.descriptor().name(), m)));
    return found;
  }

  /** The reactor's modules, less those never published (as {@code BomIT} reads them). */
  private static Set<String> publishedArtifacts() throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    Set<String> published = new TreeSet<>();
    while (m.find()) {
      if (!NEVER_PUBLISHED.contains(m.group(1).strip())) {
        published.add(m.group(1).strip());
      }
    }
    return published;
  }
}
