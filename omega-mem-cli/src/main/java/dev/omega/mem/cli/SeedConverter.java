package dev.omega.mem.cli;

import picocli.CommandLine;

/**
 * {@code --seed}: a decimal {@code long}. Its refusal says what a seed may be, where picocli's
 * names a Java type.
 */
final class SeedConverter implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException(
          "'"
              + value
              + "' is not a seed (expected: a whole number from "
              + Long.MIN_VALUE
              + " to "
              + Long.MAX_VALUE
              + ", such as 42)");
    }
  }
}
