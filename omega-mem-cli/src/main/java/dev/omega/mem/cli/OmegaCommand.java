package dev.omega.mem.cli;

import dev.omega.mem.api.ConfigurationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code omega} command. Exit codes scripts can trust: 0 all well, 1 problems found (a
 * diagnosis with findings, a failed workload), 2 usage error (a bad option or a bad configuration).
 * Every error a person can fix is one message on stderr, never a stack trace.
 */
@Command(
    name = "omega",
    mixinStandardHelpOptions = true,
    version = "omega 0.1.0",
    description =
        "Omega Memory: off-heap allocation, garbage collection and diagnostics for the OMEGA runtime.",
    subcommands = {MemoryCommand.class, TestCommand.class, CommandLine.HelpCommand.class})
public final class OmegaCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a command, such as: omega memory --report");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code. */
  static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * Colour only on a terminal. Since Java 22 {@link System#console()} is not null when output is
   * redirected, so picocli's own check ({@code Ansi.AUTO}) would send escape codes into pipes and
   * files; {@link java.io.Console#isTerminal()} tells.
   */
  static CommandLine.Help.Ansi ansi() {
    java.io.Console console = System.console();
    return console != null && console.isTerminal()
        ? CommandLine.Help.Ansi.AUTO
        : CommandLine.Help.Ansi.OFF;
  }

  /**
   * The command line as {@link #main} runs it; tests give it their own writers. A configuration
   * rejected anywhere (the file, or a plugin name only the assembly can check) is a usage error:
   * its message, exit code 2.
   */
  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new OmegaCommand());
    commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(ansi()));
    commandLine
        .getSubcommands()
        .get("test")
        .getCommandSpec()
        .usageMessage()
        .footer(TestCommand.categoryHelp());
    return commandLine
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (e, failed, parseResult) -> {
              if (!(e instanceof ConfigurationException)) {
                throw e;
              }
              failed.getErr().println(e.getMessage());
              failed.getErr().flush();
              return failed.getCommandSpec().exitCodeOnInvalidInput();
            });
  }
}
