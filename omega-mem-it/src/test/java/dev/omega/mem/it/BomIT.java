package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code omega-mem-bom} manages every published module of the reactor, at the reactor's version: a
 * module added to the build and forgotten in the BOM would leave users' versions unaligned.
 */
@Tag("contracts")
class BomIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Set<String> NEVER_PUBLISHED =
      Set.of("omega-mem-bom", "omega-mem-bench", "omega-mem-it");

  @Test
  void bom_managesEveryPublishedModule_atTheReactorVersion() throws Exception {
    Document parent = parse(ROOT.resolve("pom.xml"));
    Document bom = parse(ROOT.resolve("omega-mem-bom/pom.xml"));

    Set<String> published = new TreeSet<>();
    for (Element module : elements(parent.getDocumentElement(), "modules", "module")) {
      if (!NEVER_PUBLISHED.contains(module.getTextContent().strip())) {
        published.add(module.getTextContent().strip());
      }
    }
    Set<String> managed = new TreeSet<>();
    for (Element dependency :
        elements(bom.getDocumentElement(), "dependencyManagement", "dependencies", "dependency")) {
      assertEquals("dev.omega.mem", text(dependency, "groupId"));
      assertEquals("${project.version}", text(dependency, "version"));
      managed.add(text(dependency, "artifactId"));
    }
    assertEquals(published, managed);
    assertEquals(
        text(parent.getDocumentElement(), "version"), text(bom.getDocumentElement(), "version"));
  }

  private static Document parse(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  /** The elements reached from {@code from} through the child names in {@code path}. */
  private static List<Element> elements(Element from, String... path) {
    List<Element> level = List.of(from);
    for (String name : path) {
      List<Element> next = new ArrayList<>();
      for (Element e : level) {
        NodeList children = e.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
          Node child = children.item(i);
          if (child instanceof Element c && c.getTagName().equals(name)) {
            next.add(c);
          }
        }
      }
      level = next;
    }
    return level;
  }

  private static String text(Element parent, String name) {
    return elements(parent, name).getFirst().getTextContent().strip();
  }
}
