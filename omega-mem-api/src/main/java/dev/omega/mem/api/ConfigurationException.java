package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A configuration was rejected. It carries every problem found in one pass, so that a person fixes
 * a file once, not once per key; the message lists them one per line.
 */
public final class ConfigurationException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  private final List<ConfigProblem> problems;

  public ConfigurationException(List<ConfigProblem> problems) {
    super(render(problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigurationException(ConfigProblem problem) {
    this(List.of(problem));
  }

  /** Every problem found, in the order the keys were checked. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  /** Throws a {@code ConfigurationException} when {@code problems} is not empty. */
  public static void throwIfAny(List<ConfigProblem> problems) {
    if (!problems.isEmpty()) {
      throw new ConfigurationException(new ArrayList<>(problems));
    }
  }

  private static String render(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigurationException needs at least one problem");
    }
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0);
    }
    StringBuilder text =
        new StringBuilder("invalid configuration (").append(problems.size()).append(" problems):");
    for (ConfigProblem problem : problems) {
      text.append("\n  ").append(problem);
    }
    return text.toString();
  }
}
