package dev.omega.mem.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code omega.audit} logger: security-relevant events, one line each, key=value. */
final class AuditLog {
  static final Logger LOG = LoggerFactory.getLogger("omega.audit");

  private AuditLog() {}

  static void violation(String event, String detail) {
    LOG.warn("event={} {}", event, detail);
  }

  static void info(String event, String detail) {
    LOG.info("event={} {}", event, detail);
  }
}
