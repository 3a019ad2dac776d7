package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * A maintenance window: the upgrade starts no earlier than {@code notBefore} and not after {@code
 * notAfter}.
 *
 * @param notBefore the earliest start, or null for now
 * @param notAfter the latest start, or null for no limit
 */
public record Window(@Nullable Instant notBefore, @Nullable Instant notAfter) {}
