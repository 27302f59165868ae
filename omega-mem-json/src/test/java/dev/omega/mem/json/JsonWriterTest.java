package dev.omega.mem.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, Object> sample() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("long", 12_288L);
    map.put("integral_double", 1.0);
    map.put("ns_per_op", 601.9);
    map.put("tiny", 1.5e-7);
    map.put("ratio", 0.123456789);
    map.put("nan", Double.NaN);
    map.put("text", "a \"quoted\" <script>\\\n\t\u0001");
    map.put("list", List.of(1, 2.5, "x"));
    map.put("nested", Map.of("empty", List.of()));
    map.put("none", null);
    map.put("flag", true);
    return map;
  }

  @Test
  void compactAndPretty_parseBackToTheSameValues() throws Exception {
    for (String text : List.of(JsonWriter.compact(sample()), JsonWriter.pretty(sample()))) {
      JsonNode node = JSON.readTree(text);

      assertEquals(12_288L, node.get("long").asLong());
      assertTrue(node.get("integral_double").isIntegralNumber(), text);
      assertEquals(601.9, node.get("ns_per_op").asDouble());
      assertEquals(1.5e-7, node.get("tiny").asDouble());
      assertEquals(0.123456789, node.get("ratio").asDouble());
      assertTrue(node.get("nan").isNull());
      assertEquals("a \"quoted\" <script>\\\n\t\u0001", node.get("text").asText());
      assertEquals(3, node.get("list").size());
      assertEquals(0, node.get("nested").get("empty").size());
      assertTrue(node.get("none").isNull());
      assertTrue(node.get("flag").asBoolean());
    }
  }

  @Test
  void compactAndPretty_writeEveryNumberAlike() {
    String compact = JsonWriter.compact(sample());
    String pretty = JsonWriter.pretty(sample());

    assertEquals(
        compact, pretty.replaceAll("\n *", "").replace(": ", ":").replace(", ", ","), pretty);
    assertTrue(compact.contains("\"integral_double\":1,"), compact);
    assertTrue(compact.contains("\"ns_per_op\":601.9,"), compact);
    assertTrue(compact.contains("\"tiny\":1.5E-7,"), compact);
    assertTrue(compact.contains("\\u003cscript>"), "safe inside an HTML script: " + compact);
  }

  @Test
  void number_roundTripsEveryFiniteDouble() {
    for (double d :
        Arrays.asList(0.1, 1e-6, 123456.789, -2.5, 1e15, 9.99e14 + 0.5, Double.MIN_VALUE)) {
      assertEquals(d, Double.parseDouble(JsonWriter.number(d)), JsonWriter.number(d));
    }
  }
}
