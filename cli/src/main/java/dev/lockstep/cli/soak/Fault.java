package dev.lockstep.cli.soak;

import java.time.Instant;

/**
 * One fault the soak injected.
 *
 * @param kind what: {@code kill}, {@code broker-restart}, {@code postgres-restart}, {@code
 *     freeze-executor}, {@code add-instance}, {@code remove-instance}
 * @param target the instance (its name and pid), or the broker or PostgreSQL
 * @param startedAt when it began
 * @param endedAt when it was over (the broker or server back, the frozen executor woken), or when
 *     it began for an instant fault
 * @param detail what happened, for people
 */
record Fault(String kind, String target, Instant startedAt, Instant endedAt, String detail) {}
