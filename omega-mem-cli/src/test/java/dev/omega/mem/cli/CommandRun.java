package dev.omega.mem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * One run of the {@code omega} command line in this JVM, as {@code main} runs it but with its own
 * writers: the exit code and what went to stdout and stderr.
 */
record CommandRun(int exit, String out, String err) {

  static CommandRun omega(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        OmegaCommand.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new CommandRun(exit, out.toString(), err.toString());
  }

  /** The first line on stderr: the message a usage or configuration error leads with. */
  String firstErrLine() {
    return err.lines().findFirst().orElse("");
  }

  /** No Java stack trace reached the user. */
  boolean noStackTrace() {
    return !err.contains("\tat ") && !out.contains("\tat ") && !err.contains("Exception:");
  }

  /** Everything printed, for assertion messages. */
  String printed() {
    return String.join("\n", List.of("exit " + exit, "--- stdout", out, "--- stderr", err));
  }
}
