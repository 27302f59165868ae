package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextParserTest {

  @Test
  void parse_wellFormedFamilies_givesTypesLabelsAndValues() {
    Map<String, PrometheusTextParser.Family> families =
        PrometheusTextParser.parse(
            """
            # HELP a_total Things.
            # TYPE a_total counter
            a_total{cause="x \\"y\\"\\n"} 3
            # TYPE lat_seconds summary
            lat_seconds{quantile="0.5"} 1.5e-7
            lat_seconds_sum 0.25
            lat_seconds_count 9
            # TYPE p_seconds histogram
            p_seconds_bucket{le="0.1"} 1
            p_seconds_bucket{le="+Inf"} 2
            p_seconds_sum 0.3
            p_seconds_count 2
            """);

    assertEquals("counter", families.get("a_total").type());
    assertEquals("Things.", families.get("a_total").help());
    assertEquals("x \"y\"\n", families.get("a_total").samples().get(0).labels().get("cause"));
    assertEquals(3, families.get("lat_seconds").samples().size());
    assertEquals(4, families.get("p_seconds").samples().size());
  }

  @Test
  void parse_summaryWithoutSum_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PrometheusTextParser.parse("# TYPE l summary\nl{quantile=\"0.5\"} 1\nl_count 1\n"));
    assertEquals("summary l lacks _sum", e.getMessage());
  }

  @Test
  void parse_badEscapeUnquotedValueOrSplitFamily_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> PrometheusTextParser.parse("a{b=\"\\t\"} 1\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusTextParser.parse("a{b=c} 1\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusTextParser.parse("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusTextParser.parse("a 1"));
  }
}
