package dev.omega.mem.cli;

/**
 * Text that came from somewhere else (an attached dashboard's answer, an error that quotes it) made
 * safe to print on a terminal: it can neither move the cursor, recolour or retitle the terminal,
 * rewrite a line already printed, nor reorder what a reader sees.
 *
 * <p>Removed: escape sequences whole (CSI {@code ESC [ ... final}, the string sequences OSC, DCS,
 * SOS, PM and APC up to their terminator, and two-character {@code ESC x}), their one-byte C1
 * forms, every other C0 and C1 control ({@code CR} included) and {@code DEL}, and the Unicode
 * bidirectional controls. Kept: newline and tab, and every printable character. A sequence cut off
 * by the end of the text is removed to the end.
 *
 * <p>Thread safety: stateless.
 */
final class UntrustedText {
  private static final char ESC = 0x1b;
  private static final char BEL = 0x07;
  private static final char C1_DCS = 0x90;
  private static final char C1_SOS = 0x98;
  private static final char C1_CSI = 0x9b;
  private static final char C1_ST = 0x9c;
  private static final char C1_OSC = 0x9d;
  private static final char C1_PM = 0x9e;
  private static final char C1_APC = 0x9f;

  /** What {@link #oneLine} keeps of a long message. */
  static final int ONE_LINE_MAX_CHARS = 300;

  private UntrustedText() {}

  /** {@code text} without escape sequences and controls; newlines and tabs kept. */
  static String forTerminal(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == ESC) {
        i = afterEscape(text, i + 1);
      } else if (c == C1_CSI) {
        i = afterControlSequence(text, i + 1);
      } else if (c == C1_OSC || c == C1_DCS || c == C1_SOS || c == C1_PM || c == C1_APC) {
        i = afterControlString(text, i + 1);
      } else {
        if (c == '\n' || c == '\t' || !(isControl(c) || isBidiControl(c))) {
          out.append(c);
        }
        i++;
      }
    }
    return out.toString();
  }

  /**
   * {@code text} made safe and put on one line: newlines and tabs become spaces, runs of spaces
   * one, and a text over {@value #ONE_LINE_MAX_CHARS} characters is cut with an ellipsis.
   */
  static String oneLine(String text) {
    String line = forTerminal(text).replace('\n', ' ').replace('\t', ' ').replaceAll(" {2,}", " ");
    line = line.strip();
    return line.length() <= ONE_LINE_MAX_CHARS
        ? line
        : line.substring(0, ONE_LINE_MAX_CHARS) + "\u2026";
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  }

  private static boolean isBidiControl(char c) {
    return c == '\u061c'
        || c == '\u200e'
        || c == '\u200f'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }

  /** Where the text goes on after an {@code ESC} whose next character is at {@code i}. */
  private static int afterEscape(String text, int i) {
    if (i >= text.length()) {
      return i;
    }
    char c = text.charAt(i);
    if (c == '[') {
      return afterControlSequence(text, i + 1);
    }
    if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
      return afterControlString(text, i + 1);
    }
    // ESC, any intermediates (0x20-0x2F), one final character.
    while (i < text.length() && text.charAt(i) >= 0x20 && text.charAt(i) <= 0x2f) {
      i++;
    }
    return i < text.length() && text.charAt(i) >= 0x30 && text.charAt(i) <= 0x7e ? i + 1 : i;
  }

  /** After a CSI's parameters and intermediates (0x20-0x3F) and its final byte (0x40-0x7E). */
  private static int afterControlSequence(String text, int i) {
    while (i < text.length()) {
      char c = text.charAt(i++);
      if (c >= 0x40 && c <= 0x7e) {
        return i;
      }
      if (c < 0x20 || c > 0x3f) {
        // Not a sequence character: the sequence was malformed; what follows is text again.
        return i - 1;
      }
    }
    return i;
  }

  /** After a control string's terminator: BEL, {@code ESC \} or the one-byte ST. */
  private static int afterControlString(String text, int i) {
    while (i < text.length()) {
      char c = text.charAt(i++);
      if (c == BEL || c == C1_ST) {
        return i;
      }
      if (c == ESC && i < text.length() && text.charAt(i) == '\\') {
        return i + 1;
      }
    }
    return i;
  }
}
