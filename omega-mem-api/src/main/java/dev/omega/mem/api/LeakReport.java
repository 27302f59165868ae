package dev.omega.mem.api;

/**
 * A block that became unreachable in Java without being freed, or (at close) one still allocated.
 *
 * @param size usable size of the block in bytes
 * @param allocationSite where it was allocated ({@code "unknown"} when the site was not recorded)
 * @param domain domain that allocated it, or {@code null}
 * @param reclaimed whether its memory was returned to the pool
 */
public record LeakReport(long size, String allocationSite, String domain, boolean reclaimed) {}
