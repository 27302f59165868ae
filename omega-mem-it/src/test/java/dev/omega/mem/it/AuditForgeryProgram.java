package dev.omega.mem.it;

import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.runtime.OmegaMemory;

/**
 * A program for {@code HostileInputIT} to run in a JVM of its own, whose audit log goes to a real
 * file: it opens a domain under each name it is given (names that try to end the audit line and
 * forge another), makes each domain refuse an allocation over its quota, and closes it; so each
 * name reaches the audit log three times (domain opened, quota exceeded, domain closed).
 */
public final class AuditForgeryProgram {
  private AuditForgeryProgram() {}

  public static void main(String[] names) {
    try (OmegaMemory omega =
        OmegaMemory.builder().pool(MemoryPoolConfig.builder().poolSize(4 << 20).build()).build()) {
      for (String name : names) {
        MemoryDomain domain =
            omega
                .memoryManager()
                .createDomain(DomainConfig.unlimited(name).withMaxAllocationSize(64));
        try {
          domain.allocate(4096);
          throw new AssertionError("the domain's quota let 4096 bytes through");
        } catch (QuotaExceededException expected) {
          // The refusal is what puts the name in a violation line.
        }
        domain.close();
      }
    }
  }
}
