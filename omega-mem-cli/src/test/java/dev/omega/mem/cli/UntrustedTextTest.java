package dev.omega.mem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What {@link UntrustedText} removes from a server's text, and what it keeps. */
class UntrustedTextTest {

  @Test
  void forTerminal_csiSequences_removedWhole() {
    assertEquals("red plain", UntrustedText.forTerminal("\u001b[31mred\u001b[0m plain"));
    assertEquals("cleared", UntrustedText.forTerminal("\u001b[2J\u001b[1;1Hcleared"));
    assertEquals("x", UntrustedText.forTerminal("\u001b[?25lx"));
  }

  @Test
  void forTerminal_oneByteCsi_removedWhole() {
    assertEquals("red", UntrustedText.forTerminal("\u009b31mred"));
  }

  @Test
  void forTerminal_oscTitle_removedWithBelOrStTerminator() {
    assertEquals("ok", UntrustedText.forTerminal("\u001b]0;pwned\u0007ok"));
    assertEquals("ok", UntrustedText.forTerminal("\u001b]8;;http://evil/\u001b\\ok"));
    assertEquals("ok", UntrustedText.forTerminal("\u009d0;pwned\u009cok"));
  }

  @Test
  void forTerminal_twoCharacterEscape_removed() {
    assertEquals("ab", UntrustedText.forTerminal("a\u001bcb"));
    assertEquals("ab", UntrustedText.forTerminal("a\u001b(Bb"));
  }

  @Test
  void forTerminal_sequenceCutOffAtTheEnd_removedToTheEnd() {
    assertEquals("text", UntrustedText.forTerminal("text\u001b[31"));
    assertEquals("text", UntrustedText.forTerminal("text\u001b]0;never ended"));
    assertEquals("text", UntrustedText.forTerminal("text\u001b"));
  }

  @Test
  void forTerminal_carriageReturnAndOtherControls_removed() {
    assertEquals("fine\nforged", UntrustedText.forTerminal("fine\r\nforged"));
    assertEquals(
        "abcdef", UntrustedText.forTerminal("a\u0000b\u0007c\u0008d\u007fe\u0085f\u000b\u000c"));
  }

  @Test
  void forTerminal_bidiControls_removed() {
    assertEquals("abc", UntrustedText.forTerminal("a\u202eb\u2066\u2069c\u200f"));
  }

  @Test
  void forTerminal_newlinesTabsAndPrintableUnicode_kept() {
    String text = "pool\t42 MiB\nnaïve 日本 \uD83D\uDE00 ok\n";
    assertEquals(text, UntrustedText.forTerminal(text));
  }

  @Test
  void oneLine_newlinesAndTabs_becomeSingleSpaces() {
    assertEquals(
        "first second third", UntrustedText.oneLine("first\nsecond\t\tthird\r\n\u001b[1A"));
  }

  @Test
  void oneLine_longText_cutWithAnEllipsis() {
    String line = UntrustedText.oneLine("x".repeat(1000));
    assertEquals(UntrustedText.ONE_LINE_MAX_CHARS + 1, line.length());
    assertEquals('\u2026', line.charAt(line.length() - 1));
  }
}
