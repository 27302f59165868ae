package dev.omega.mem.json;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * Writes maps, collections, strings, numbers and booleans as JSON (RFC 8259): what the monitor's
 * reports, the dashboard's API and the {@code omega} command print. There is one writer so that a
 * figure reads the same wherever it is printed.
 *
 * <p>Numbers: integers as they are; a {@code double} or {@code float} with an integral value below
 * 10^15 as an integer ({@code 1}, not {@code 1.0}); any other finite one as the shortest decimal
 * that reads back to the same {@code double}, without an exponent between 10^-6 and 10^15; NaN and
 * infinities, which JSON lacks, as {@code null}. Strings: quotes, backslashes and control
 * characters escaped, and {@code <} as {@code \u003c} so that the text can sit in an HTML {@code
 * <script>}. Map keys are written with {@link String#valueOf}; any other object as its {@code
 * toString()}.
 *
 * <p>Thread safety: stateless; every method is safe from any thread.
 */
public final class JsonWriter {
  private static final double PLAIN_BELOW = 1e15;
  private static final double PLAIN_FROM = 1e-6;

  private JsonWriter() {}

  /** {@code value} on one line, without spaces. */
  public static String compact(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, -1);
    return out.toString();
  }

  /**
   * {@code value} indented by two spaces per level, object members one a line, short lists on one
   * line; ends with a newline.
   */
  public static String pretty(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.append('\n').toString();
  }

  /** {@code indent} is the current level, or -1 for the compact form. */
  private static void write(StringBuilder out, Object value, int indent) {
    switch (value) {
      case null -> out.append("null");
      case Map<?, ?> map -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first) {
            out.append(',');
          }
          if (indent >= 0) {
            out.append('\n').append("  ".repeat(indent + 1));
          }
          first = false;
          string(out, String.valueOf(e.getKey()));
          out.append(indent >= 0 ? ": " : ":");
          write(out, e.getValue(), indent < 0 ? -1 : indent + 1);
        }
        if (indent >= 0 && !first) {
          out.append('\n').append("  ".repeat(indent));
        }
        out.append('}');
      }
      case Collection<?> list -> {
        out.append('[');
        boolean first = true;
        for (Object item : list) {
          if (!first) {
            out.append(indent >= 0 ? ", " : ",");
          }
          first = false;
          write(out, item, indent < 0 ? -1 : indent + 1);
        }
        out.append(']');
      }
      case Double d -> out.append(number(d));
      case Float f -> out.append(number(f));
      case Number n -> out.append(n);
      case Boolean b -> out.append(b);
      default -> string(out, value.toString());
    }
  }

  /** A finite {@code double} as JSON, by the rules of the class note; {@code null} otherwise. */
  public static String number(double d) {
    if (!Double.isFinite(d)) {
      return "null";
    }
    double magnitude = Math.abs(d);
    if (d == Math.rint(d) && magnitude < PLAIN_BELOW) {
      return Long.toString((long) d);
    }
    if (magnitude >= PLAIN_FROM && magnitude < PLAIN_BELOW) {
      return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
    return Double.toString(d); // 1.5E-7: JSON's exponent form
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '<' -> out.append("\\u003c");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
