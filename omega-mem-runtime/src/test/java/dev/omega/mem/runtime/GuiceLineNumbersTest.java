package dev.omega.mem.runtime;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Guice reads our class files (Java 25, major version 69) with its ASM to put source lines in its
 * error messages; the ASM it shades (9.5) cannot, and the messages then lose their lines. The
 * runtime depends on Guice's unshaded jar and a current ASM instead.
 */
class GuiceLineNumbersTest {
  interface Unbound {}

  static final class NeedsUnbound {
    @Inject
    NeedsUnbound(Unbound unbound) {}
  }

  @Test
  void creationError_forAJava25Class_namesTheSourceLine() {
    CreationException e =
        assertThrows(
            CreationException.class,
            () -> Guice.createInjector(binder -> binder.bind(NeedsUnbound.class)));
    assertTrue(
        e.getMessage()
            .matches("(?s).*NeedsUnbound\\.<init>\\(GuiceLineNumbersTest\\.java:\\d+\\).*"),
        e.getMessage());
  }
}
