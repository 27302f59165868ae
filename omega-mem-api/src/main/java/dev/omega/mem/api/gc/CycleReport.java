package dev.omega.mem.api.gc;

import java.time.Duration;

/**
 * Result of one {@link GarbageCollector#detectCycles()}.
 *
 * @param cycles garbage cycles found (strongly connected groups of unreachable objects)
 * @param objects objects in those cycles, all freed
 * @param bytes bytes those objects held
 * @param elapsed time the detection took
 */
public record CycleReport(long cycles, long objects, long bytes, Duration elapsed) {}
