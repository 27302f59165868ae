package dev.omega.mem.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format, version 0.0.4, for tests: it accepts
 * only what the format allows and says where a line breaks it. No Java library on Maven Central
 * parses this format (the Prometheus client's {@code prometheus-metrics-exposition-textformats}
 * only writes it, and the old {@code simpleclient_common} only writes too), so this follows the
 * format's documentation.
 *
 * <p>Rules checked: metric and label names match their grammars; label values are quoted and use
 * only the escapes {@code \\}, {@code \"} and {@code \n}; no label repeats on a sample; a value is
 * a Go float ({@code NaN}, {@code +Inf}, {@code -Inf} allowed), with an optional integer timestamp;
 * {@code # TYPE} names one of counter, gauge, histogram, summary, untyped, comes at most once per
 * family and before the family's first sample; a family's samples are contiguous; a histogram has
 * {@code _bucket} samples with {@code le} including {@code +Inf}, cumulative, and {@code _sum} and
 * {@code _count}; a summary's quantile samples carry {@code quantile}, and it has {@code _sum} and
 * {@code _count}; the text ends with a newline.
 */
final class PrometheusTextParser {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its declared type and help, and its samples in order. */
  record Family(String name, String type, String help, List<Sample> samples) {
    boolean hasSample(String sampleName) {
      return samples.stream().anyMatch(s -> s.name().equals(sampleName));
    }
  }

  private final Map<String, Family> families = new LinkedHashMap<>();
  private final Map<String, String> helps = new LinkedHashMap<>();
  private String current;
  private int lineNumber;

  private PrometheusTextParser() {}

  /** The families of {@code text}, by name, in their order; throws on the first broken rule. */
  static Map<String, Family> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition must end with a newline");
    }
    PrometheusTextParser parser = new PrometheusTextParser();
    for (String line : text.split("\n", -1)) {
      parser.lineNumber++;
      parser.line(line);
    }
    parser.families.values().forEach(PrometheusTextParser::checkFamily);
    return parser.families;
  }

  private void line(String line) {
    if (line.isEmpty()) {
      return;
    }
    if (line.startsWith("#")) {
      comment(line);
      return;
    }
    sample(line);
  }

  private void comment(String line) {
    String[] parts = line.split(" ", 4);
    if (parts.length < 3 || !parts[0].equals("#")) {
      return; // a plain comment
    }
    switch (parts[1]) {
      case "HELP" -> {
        String name = metricName(parts[2]);
        if (helps.put(name, parts.length == 4 ? parts[3] : "") != null) {
          fail("second HELP for " + name);
        }
      }
      case "TYPE" -> {
        String name = metricName(parts[2]);
        if (parts.length != 4 || !TYPES.contains(parts[3])) {
          fail("TYPE of " + name + " must be one of " + TYPES);
        }
        if (families.containsKey(name)) {
          fail("TYPE for " + name + " after its samples or a second time");
        }
        families.put(name, new Family(name, parts[3], helps.get(name), new ArrayList<>()));
        current = name;
      }
      default -> {
        // Any other comment is allowed and ignored.
      }
    }
  }

  private void sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = metricName(line.substring(0, i));
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      fail("a space must separate the sample from its value");
    }
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length < 1 || rest.length > 2) {
      fail("a sample is name, labels, value and an optional timestamp");
    }
    double value = value(rest[0]);
    if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
      fail("timestamp " + rest[1] + " is not an integer");
    }
    String family = familyOf(name);
    Family f = families.get(family);
    if (f == null) {
      f = new Family(family, "untyped", helps.get(family), new ArrayList<>());
      families.put(family, f);
      current = family;
    } else if (!family.equals(current)) {
      fail("samples of " + family + " are not contiguous");
    }
    f.samples().add(new Sample(name, Map.copyOf(labels), value));
  }

  /**
   * The family a sample name belongs to: a declared one it extends by a known suffix, or itself.
   */
  private String familyOf(String name) {
    if (families.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        Family f = families.get(base);
        if (f != null && (f.type().equals("histogram") || f.type().equals("summary"))) {
          if (suffix.equals("_bucket") && !f.type().equals("histogram")) {
            fail(name + ": only a histogram has _bucket samples");
          }
          return base;
        }
      }
    }
    return name;
  }

  private int labels(String line, int i, Map<String, String> labels) {
    while (true) {
      if (i < line.length() && line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        fail("label without '='");
      }
      String label = line.substring(i, eq);
      if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
        fail("bad label name '" + label + "'");
      }
      if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
        fail("label value of " + label + " is not quoted");
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (; ; j++) {
        if (j >= line.length()) {
          fail("unterminated label value of " + label);
        }
        char c = line.charAt(j);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          j++;
          char e = j < line.length() ? line.charAt(j) : 0;
          switch (e) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> fail("bad escape \\" + e + " in label " + label);
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(label, value.toString()) != null) {
        fail("label " + label + " repeats");
      }
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      } else if (i >= line.length() || line.charAt(i) != '}') {
        fail("labels must be separated by ',' and closed by '}'");
      }
    }
  }

  private String metricName(String name) {
    if (!METRIC_NAME.matcher(name).matches()) {
      fail("bad metric name '" + name + "'");
    }
    return name;
  }

  private double value(String text) {
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        if (!text.matches("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
          fail("value '" + text + "' is not a float");
        }
        yield Double.parseDouble(text);
      }
    };
  }

  private static void checkFamily(Family f) {
    switch (f.type()) {
      case "histogram" -> {
        double previous = -1;
        boolean infinite = false;
        for (Sample s : f.samples()) {
          if (s.name().equals(f.name() + "_bucket")) {
            String le = s.labels().get("le");
            if (le == null) {
              throw new IllegalArgumentException(f.name() + ": a bucket without le");
            }
            infinite |= le.equals("+Inf");
            if (s.value() < previous) {
              throw new IllegalArgumentException(f.name() + ": buckets are not cumulative");
            }
            previous = s.value();
          }
        }
        require(f, infinite, "a +Inf bucket");
        require(f, f.hasSample(f.name() + "_sum"), "_sum");
        require(f, f.hasSample(f.name() + "_count"), "_count");
      }
      case "summary" -> {
        for (Sample s : f.samples()) {
          if (s.name().equals(f.name()) && !s.labels().containsKey("quantile")) {
            throw new IllegalArgumentException(f.name() + ": a quantile sample without quantile");
          }
        }
        require(f, f.hasSample(f.name() + "_sum"), "_sum");
        require(f, f.hasSample(f.name() + "_count"), "_count");
      }
      default -> {
        for (Sample s : f.samples()) {
          if (!s.name().equals(f.name())) {
            throw new IllegalArgumentException(f.name() + ": stray sample " + s.name());
          }
        }
      }
    }
  }

  private static void require(Family f, boolean present, String what) {
    if (!present) {
      throw new IllegalArgumentException(f.type() + " " + f.name() + " lacks " + what);
    }
  }

  private void fail(String message) {
    throw new IllegalArgumentException("line " + lineNumber + ": " + message);
  }
}
