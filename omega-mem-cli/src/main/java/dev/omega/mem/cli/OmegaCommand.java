package dev.omega.mem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code omega} command. Exit codes scripts can trust: 0 all well, 1 problems found (a
 * diagnosis with findings, a failed workload), 2 usage error.
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

  /** Runs the command line and returns its exit code (tests call this). */
  static int run(String... args) {
    return new CommandLine(new OmegaCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .execute(args);
  }
}
