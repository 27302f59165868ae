package dev.omega.mem.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The architecture of DESIGN §1, checked on the compiled main classes of every module: the data
 * flows one way (api ← implementations ← runtime ← cli / it / bench), and implementations meet only
 * through the API.
 */
@Tag("contracts")
class ArchitectureIT {
  private static JavaClasses main;
  private static JavaClasses tests;

  private static final String[] IMPLEMENTATIONS = {
    "dev.omega.mem.strategies..",
    "dev.omega.mem.pool..",
    "dev.omega.mem.gc..",
    "dev.omega.mem.monitor.."
  };

  @BeforeAll
  static void importClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.omega.mem");
    if (main.isEmpty()) {
      throw new IllegalStateException("no main classes imported: the rules would pass vacuously");
    }
    // Every module's compiled tests, read from the reactor's target folders (only this module's are
    // on the class path).
    java.nio.file.Path root = java.nio.file.Path.of("").toAbsolutePath().getParent();
    List<java.nio.file.Path> testDirs = new java.util.ArrayList<>();
    try (var modules = java.nio.file.Files.list(root)) {
      modules
          .map(m -> m.resolve("target/test-classes"))
          .filter(java.nio.file.Files::isDirectory)
          .forEach(testDirs::add);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    tests = new ClassFileImporter().importPaths(testDirs);
    if (tests.size() < 20) {
      throw new IllegalStateException("only " + tests.size() + " test classes found under " + root);
    }
  }

  static List<ArchRule> rules() {
    ArchRule apiImportsOnlyTheJdk =
        classes()
            .that()
            .resideInAnyPackage("dev.omega.mem.api..", "dev.omega.mem.spi..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "dev.omega.mem.api..", "dev.omega.mem.spi..", "")
            .as("omega-mem-api imports only the JDK");
    ArchRule runtimeReachesImplementationsOnlyThroughTheSpi =
        noClasses()
            .that()
            .resideInAPackage("dev.omega.mem.runtime..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(IMPLEMENTATIONS)
            .as("the runtime reaches implementations only through the SPI");
    ArchRule noPackageCycles =
        slices()
            .matching("dev.omega.mem.(*)..")
            .should()
            .beFreeOfCycles()
            .as("no cycles between packages");
    ArchRule implementationsArePackagePrivate =
        classes()
            .that()
            .resideInAnyPackage(IMPLEMENTATIONS)
            .and()
            .areTopLevelClasses()
            .and()
            .arePublic()
            .and()
            // Micrometer is optional and absent here, so the binder is excepted by name.
            .doNotHaveFullyQualifiedName("dev.omega.mem.monitor.OmegaMemoryMeterBinder")
            .should()
            .haveSimpleNameEndingWith("Provider")
            .as(
                "implementation classes are package-private; only providers (and a Micrometer"
                    + " MeterBinder, which applications construct) are public");
    ArchRule testsAreNamedForTheirRunner =
        classes()
            .that()
            .containAnyMethodsThat(
                com.tngtech.archunit.base.DescribedPredicate.describe(
                    "are tests",
                    m ->
                        m.isAnnotatedWith("org.junit.jupiter.api.Test")
                            || m.isAnnotatedWith("org.junit.jupiter.params.ParameterizedTest")
                            || m.isAnnotatedWith("net.jqwik.api.Property")))
            .and()
            .areTopLevelClasses()
            .should()
            .haveSimpleNameEndingWith("Test")
            .orShould()
            .haveSimpleNameEndingWith("IT")
            .orShould()
            .haveSimpleNameEndingWith("Contract")
            .as("tests are named *Test (Surefire), *IT (Failsafe) or *Contract (shared, abstract)");
    return List.of(
        apiImportsOnlyTheJdk,
        implementationsDoNotImportEachOther("dev.omega.mem.strategies.."),
        implementationsDoNotImportEachOther("dev.omega.mem.pool.."),
        implementationsDoNotImportEachOther("dev.omega.mem.gc.."),
        implementationsDoNotImportEachOther("dev.omega.mem.monitor.."),
        runtimeReachesImplementationsOnlyThroughTheSpi,
        noPackageCycles,
        implementationsArePackagePrivate,
        testsAreNamedForTheirRunner);
  }

  private static ArchRule implementationsDoNotImportEachOther(String module) {
    String[] others =
        java.util.Arrays.stream(IMPLEMENTATIONS)
            .filter(p -> !p.equals(module))
            .toArray(String[]::new);
    return noClasses()
        .that()
        .resideInAPackage(module)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(others)
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("dev.omega.mem.runtime..")
        .as(module + " imports no other implementation and not the runtime")
        // A module whose issue has not landed yet may be empty.
        .allowEmptyShould(true);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void rule(ArchRule rule) {
    rule.check(rule.getDescription().startsWith("tests are named") ? tests : main);
  }
}
