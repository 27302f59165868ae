package dev.omega.mem.cli;

import static dev.omega.mem.cli.CommandRun.omega;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The top level of {@code omega}: its help and the usage errors before any command runs. */
class OmegaCommandTest {

  @Test
  void help_topLevel_exitsZeroAndListsTheCommands() {
    CommandRun r = omega("--help");
    assertEquals(0, r.exit(), r.printed());
    assertTrue(r.out().contains("Usage: omega"), r.printed());
    assertTrue(r.out().contains("  memory "), r.printed());
    assertTrue(r.out().contains("  test "), r.printed());
    assertTrue(r.out().contains("  help "), r.printed());
  }

  @Test
  void run_noCommand_exitsTwoNamingOne() {
    CommandRun r = omega();
    assertEquals(2, r.exit(), r.printed());
    assertEquals("name a command, such as: omega memory --report", r.firstErrLine(), r.printed());
  }

  @Test
  void run_unknownCommand_exitsTwoNamingIt() {
    CommandRun r = omega("memroy", "--report");
    assertEquals(2, r.exit(), r.printed());
    assertTrue(r.firstErrLine().contains("'memroy'"), r.printed());
    assertTrue(r.noStackTrace(), r.printed());
  }
}
