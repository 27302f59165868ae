package dev.omega.mem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code omega test} runs, checked against the suite's sources: every test in {@code
 * omega-mem-it} carries one of the categories (or the {@code cli} tag the help says is left out),
 * the help names exactly the classes that carry each category, and the suite's own list ({@code
 * SuiteMain.CATEGORIES}) and the README agree with the command's. Reads the sources rather than the
 * compiled tests so it runs with this module's unit tests, before the suite is built.
 */
class SuiteCategoriesTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path SUITE = ROOT.resolve("omega-mem-it/src/test/java");

  private static final Pattern TAG = Pattern.compile("@Tag\\(\"([^\"]+)\"\\)");
  private static final Pattern TEST_ANNOTATION =
      Pattern.compile(
          "@(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property|Example)\\b");
  private static final Pattern JQWIK_TEST = Pattern.compile("@(Property|Example)\\b");
  private static final Pattern JUPITER_TEST =
      Pattern.compile("@(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\\b");
  private static final Pattern TOP_LEVEL_CLASS =
      Pattern.compile("(?m)^(?:public |final |abstract )*class (\\w+)");

  /** A run of annotations, then a method's name: one member's header. */
  private static final Pattern MEMBER =
      Pattern.compile(
          "((?:@\\w+(?:\\((?:[^()\"]|\"(?:\\\\.|[^\"\\\\])*\"|\\([^()]*\\))*\\))?\\s*)+)"
              + "[\\w<>\\[\\], ?]*?\\b(\\w+)\\s*\\(");

  /** Comments removed, string literals kept (a URL's {@code //} is not a comment). */
  private static final Pattern COMMENT_OR_STRING =
      Pattern.compile("\"(?:\\\\.|[^\"\\\\\\n])*\"|//[^\\n]*|/\\*[\\s\\S]*?\\*/");

  /** A test class of the suite: the tags on the class, and those on each test method. */
  record SuiteClass(String name, Set<String> classTags, Map<String, Set<String>> methodTags) {
    Set<String> allTags() {
      Set<String> all = new TreeSet<>(classTags);
      methodTags.values().forEach(all::addAll);
      return all;
    }
  }

  private static List<SuiteClass> suite;

  @BeforeAll
  static void readTheSuite() throws IOException {
    assertTrue(Files.isDirectory(SUITE), "the suite's sources are beside this module: " + SUITE);
    suite = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SUITE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String code = withoutComments(Files.readString(file, StandardCharsets.UTF_8));
        if (file.getFileName().toString().endsWith("IT.java")
            || TEST_ANNOTATION.matcher(code).find()) {
          suite.add(parse(file, code));
        }
      }
    }
    assertTrue(suite.size() >= 18, "test classes found under " + SUITE + ": " + suite.size());
  }

  private static String withoutComments(String code) {
    Matcher m = COMMENT_OR_STRING.matcher(code);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          out, Matcher.quoteReplacement(m.group().startsWith("\"") ? m.group() : ""));
    }
    return m.appendTail(out).toString();
  }

  /**
   * Each engine reads only its own {@code @Tag}: jqwik ignores JUnit's (with a warning) and JUnit
   * jqwik's, and a class whose tag its engine does not read runs in no category. So a class's tests
   * are all of one engine, and the {@code Tag} it imports is that engine's.
   */
  private static SuiteClass parse(Path file, String code) {
    Matcher declaration = TOP_LEVEL_CLASS.matcher(code);
    assertTrue(declaration.find(), "a top-level class in " + file);
    boolean jqwik = JQWIK_TEST.matcher(code).find();
    assertTrue(
        !(jqwik && JUPITER_TEST.matcher(code).find()),
        file + " mixes jqwik and JUnit Jupiter tests; one @Tag cannot serve both");
    String tagImport = jqwik ? "import net.jqwik.api.Tag;" : "import org.junit.jupiter.api.Tag;";
    if (TAG.matcher(code).find() && !code.contains(tagImport)) {
      return new SuiteClass(
          declaration.group(1) + " (tagged, but not with " + tagImport + ")", Set.of(), Map.of());
    }
    Set<String> classTags = tags(code.substring(0, declaration.start()));
    String body = code.substring(declaration.end());
    Map<String, Set<String>> methodTags = new TreeMap<>();
    Matcher member = MEMBER.matcher(body);
    while (member.find()) {
      if (TEST_ANNOTATION.matcher(member.group(1)).find()) {
        methodTags.put(member.group(2), tags(member.group(1)));
      }
    }
    long annotations = TEST_ANNOTATION.matcher(body).results().count();
    assertEquals(
        annotations,
        methodTags.size(),
        "every test method of " + file + " was read with its annotations: " + methodTags.keySet());
    return new SuiteClass(declaration.group(1), classTags, methodTags);
  }

  private static Set<String> tags(String annotations) {
    Set<String> tags = new TreeSet<>();
    TAG.matcher(annotations).results().forEach(m -> tags.add(m.group(1)));
    return tags;
  }

  private static boolean categorised(Set<String> tags) {
    return tags.stream()
        .anyMatch(t -> TestCommand.CATEGORIES.contains(t) || t.equals(TestCommand.NOT_RUN_TAG));
  }

  @Test
  void suiteTests_eachCarryACategoryOrTheCliTag() {
    List<String> uncategorised = new ArrayList<>();
    for (SuiteClass c : suite) {
      if (categorised(c.classTags())) {
        continue;
      }
      if (c.methodTags().isEmpty()) {
        uncategorised.add(c.name());
      }
      c.methodTags()
          .forEach(
              (method, tags) -> {
                if (!categorised(tags)) {
                  uncategorised.add(c.name() + "." + method);
                }
              });
    }
    assertEquals(
        List.of(),
        uncategorised,
        "omega test runs only the tags "
            + TestCommand.CATEGORIES
            + "; give these tests one (and name them in TestCommand.Category)");
  }

  @Test
  void categoryHelp_namesExactlyTheClassesThatCarryEachCategory() {
    Pattern className = Pattern.compile("\\b[A-Z]\\w*IT\\b");
    for (TestCommand.Category category : TestCommand.Category.values()) {
      Set<String> named = new TreeSet<>();
      className.matcher(category.classes).results().forEach(m -> named.add(m.group()));
      Set<String> tagged = new TreeSet<>();
      suite.stream()
          .filter(c -> c.allTags().contains(category.tag))
          .forEach(c -> tagged.add(c.name()));
      assertEquals(tagged, named, "the classes --help names for " + category.tag);
    }
  }

  @Test
  void categoryHelp_namesEveryClassLeftOut() {
    String help = TestCommand.categoryHelp();
    List<String> leftOut =
        suite.stream()
            .filter(c -> c.allTags().contains(TestCommand.NOT_RUN_TAG))
            .map(SuiteClass::name)
            .toList();
    assertEquals(List.of("OmegaCommandIT"), leftOut);
    for (String name : leftOut) {
      assertTrue(help.contains("Not run by omega test: " + name), help);
    }
  }

  @Test
  void suiteMain_categories_areTheCommands() {
    String code = read(SUITE.resolve("dev/omega/mem/it/SuiteMain.java"));
    Matcher list =
        Pattern.compile("List<String> CATEGORIES\\s*=\\s*List\\.of\\(([^)]*)\\)").matcher(code);
    assertTrue(list.find(), "SuiteMain declares CATEGORIES");
    List<String> names =
        Pattern.compile("\"([^\"]+)\"")
            .matcher(list.group(1))
            .results()
            .map(m -> m.group(1))
            .toList();
    assertEquals(TestCommand.CATEGORIES, names);
    assertTrue(
        code.contains("static final String NOT_RUN_TAG = \"" + TestCommand.NOT_RUN_TAG + "\";"),
        "SuiteMain names the tag the help says it leaves out");
    assertTrue(code.contains("excludeTags(NOT_RUN_TAG)"), "SuiteMain leaves that tag out");
  }

  @Test
  void readme_commandLineSection_namesEveryCategory() {
    String readme = read(ROOT.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## The `omega` command"));
    for (String category : TestCommand.CATEGORIES) {
      assertTrue(section.contains("`" + category + "`"), category);
    }
    assertTrue(section.contains("`OmegaCommandIT`"), "the README says what omega test leaves out");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
