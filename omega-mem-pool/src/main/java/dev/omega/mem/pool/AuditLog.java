package dev.omega.mem.pool;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * The {@code omega.audit} log: security-relevant events, one line each, {@code event=kind key=value
 * ...}.
 *
 * <p><b>Lines cannot be forged.</b> Every value (and the event name) is written bare only when it
 * is made of letters, digits and {@code _ . : / @ + - #}; anything else is written in double quotes
 * with {@code \} and {@code "} escaped, {@code \n}, {@code \r}, {@code \t} as those escapes, and
 * every other control, format or line-separator character as {@code \}{@code uXXXX}. So a domain
 * named {@code "x\nevent=all_clear"} stays inside its own quoted value on its own line.
 *
 * <p><b>Repeats are rate-limited.</b> Each event kind gets a window of one second: its first {@link
 * #LINES_PER_WINDOW} events in a window are written, later ones only counted. When the window has
 * ended the count is written as one {@code event=suppressed kind=K count=N} line, at the next event
 * of any kind or at {@link #flush()} (which the manager's close calls), whichever comes first. So a
 * flood of 20,000 refused allocations gives at most {@code LINES_PER_WINDOW} lines and one summary
 * per second, and nothing is dropped without being counted.
 *
 * <p><b>Events recorded</b>: domain opened and closed; double free, use after free, write to a
 * sealed block, out-of-bounds access, use after the pool closed, foreign and cross-domain frees,
 * quota and rate-limit refusals, leaks, collector failures; compaction and forced collections.
 * Violations are written at WARN, the rest at INFO.
 *
 * <p><b>Never silently lost.</b> Lines go to the SLF4J logger {@code omega.audit}. When the
 * application has no SLF4J provider (SLF4J falls back to its no-op factory, {@link
 * NOPLoggerFactory}, which {@code NOP_FallbackServiceProvider} hands out), they go to the JDK's
 * {@link System.Logger} {@code omega.audit} instead, which writes to {@code java.util.logging} (the
 * console by default) or to whatever {@code System.LoggerFinder} the application installed.
 *
 * <p>Thread safety: thread-safe. Each kind's window is updated under that window's lock; lines are
 * written outside it. Every method here is called on failure or rare paths only (a refusal about to
 * throw, a domain opened or closed), never on the allocation fast path.
 */
final class AuditLog {
  /** Lines one event kind may write per one-second window; the rest are counted. */
  static final int LINES_PER_WINDOW = 20;

  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Where lines go. */
  interface Sink {
    void write(boolean warning, String line);
  }

  /** SLF4J, when the application has a provider. */
  record Slf4jSink(Logger logger) implements Sink {
    @Override
    public void write(boolean warning, String line) {
      if (warning) {
        logger.warn("{}", line);
      } else {
        logger.info("{}", line);
      }
    }
  }

  /** The JDK's logger, when SLF4J would drop everything. */
  record SystemLoggerSink(System.Logger logger) implements Sink {
    @Override
    public void write(boolean warning, String line) {
      logger.log(warning ? System.Logger.Level.WARNING : System.Logger.Level.INFO, line);
    }
  }

  private static volatile AuditLog current =
      new AuditLog(sinkFor(LoggerFactory.getILoggerFactory()), System::nanoTime, LINES_PER_WINDOW);

  private final Sink sink;
  private final LongSupplier nanoClock;
  private final int linesPerWindow;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** One event kind's current window. Guarded by itself. */
  private static final class Window {
    long start;
    int written;
    long suppressed;
    boolean warning;

    Window(long start) {
      this.start = start;
    }
  }

  AuditLog(Sink sink, LongSupplier nanoClock, int linesPerWindow) {
    this.sink = sink;
    this.nanoClock = nanoClock;
    this.linesPerWindow = linesPerWindow;
  }

  /** SLF4J's logger, or the JDK's when SLF4J has no provider and would drop every line. */
  static Sink sinkFor(ILoggerFactory factory) {
    if (factory instanceof NOPLoggerFactory) {
      return new SystemLoggerSink(System.getLogger("omega.audit"));
    }
    return new Slf4jSink(factory.getLogger("omega.audit"));
  }

  /** Replaces the log every event goes to (tests); returns the one it replaced. */
  static AuditLog install(AuditLog log) {
    AuditLog previous = current;
    current = log;
    return previous;
  }

  // ------------------------------------------------------------------ events

  /** A violation, at WARN: {@code keyValues} alternate key (a constant) and value (any input). */
  static void violation(String event, Object... keyValues) {
    current.record(true, event, keyValues);
  }

  /** A notable event, at INFO. */
  static void info(String event, Object... keyValues) {
    current.record(false, event, keyValues);
  }

  /** A freed block was read, written or sealed. */
  static void useAfterFree(long size) {
    violation("use_after_free", "size", size);
  }

  /** A sealed block was written. */
  static void sealedWrite(long offset, long length, long size) {
    violation("sealed_write", "offset", offset, "length", length, "size", size);
  }

  /**
   * An access outside a block, or to a block whose pool has closed and given its memory back
   * ({@code released}).
   */
  static void outOfBounds(boolean released, long offset, long length, long size) {
    violation(
        released ? "use_after_close" : "out_of_bounds",
        "offset",
        offset,
        "length",
        length,
        "size",
        size);
  }

  /** Writes the summaries of every kind that suppressed lines, ended window or not. */
  static void flush() {
    current.summarise(Long.MAX_VALUE, true);
  }

  // ------------------------------------------------------------------ machinery

  private void record(boolean warning, String event, Object[] keyValues) {
    long now = nanoClock.getAsLong();
    summarise(now, false);
    Window window = windows.computeIfAbsent(event, k -> new Window(now));
    boolean write;
    long endedUncounted = 0;
    synchronized (window) {
      if (now - window.start >= WINDOW_NANOS) {
        endedUncounted = window.suppressed; // counted after summarise above looked, if any
        window.suppressed = 0;
        window.start = now;
        window.written = 0;
      }
      window.warning |= warning;
      write = window.written < linesPerWindow;
      if (write) {
        window.written++;
      } else {
        window.suppressed++;
      }
    }
    if (endedUncounted > 0) {
      writeSummary(event, endedUncounted, warning);
    }
    if (write) {
      sink.write(warning, line(event, keyValues));
    }
  }

  /** Writes a summary for each kind whose window ended by {@code now} (or every kind, if all). */
  private void summarise(long now, boolean all) {
    for (Map.Entry<String, Window> entry : windows.entrySet()) {
      Window window = entry.getValue();
      long count;
      boolean warning;
      synchronized (window) {
        if (window.suppressed == 0 || (!all && now - window.start < WINDOW_NANOS)) {
          continue;
        }
        count = window.suppressed;
        warning = window.warning;
        window.suppressed = 0;
      }
      writeSummary(entry.getKey(), count, warning);
    }
  }

  private void writeSummary(String kind, long count, boolean warning) {
    sink.write(
        warning,
        line("suppressed", "kind", kind, "count", count, "window_ms", WINDOW_NANOS / 1_000_000));
  }

  /** {@code event=E k=v ...}, every value escaped so that no input can end the line. */
  static String line(String event, Object... keyValues) {
    StringBuilder line = new StringBuilder(64).append("event=");
    appendValue(line, event);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      line.append(' ').append(keyValues[i]).append('=');
      appendValue(line, String.valueOf(keyValues[i + 1]));
    }
    return line.toString();
  }

  private static void appendValue(StringBuilder out, String value) {
    if (isBare(value)) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          int type = Character.getType(c);
          if (type == Character.CONTROL
              || type == Character.FORMAT
              || type == Character.LINE_SEPARATOR
              || type == Character.PARAGRAPH_SEPARATOR
              || type == Character.SURROGATE && !validPair(value, i)
              || type == Character.UNASSIGNED) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean validPair(String value, int i) {
    char c = value.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
  }

  private static boolean isBare(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean safe =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '/'
              || c == '@'
              || c == '+'
              || c == '-'
              || c == '#';
      if (!safe) {
        return false;
      }
    }
    return true;
  }
}
