package dev.lockstep.validator.provider;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.manifest.Gate;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One measurement to take.
 *
 * @param platform the platform whose gate it is: what the gate may reach is configured per platform
 * @param gate the gate's specification
 * @param purpose verify, or capture a baseline
 * @param baseline for a verify that compares to a baseline: the captured value, or null when none
 *     was captured
 * @param changeStartedAt when the change the gate follows began (restarts since then count)
 */
public record MeasureRequest(
    String platform,
    Gate gate,
    GatePurpose purpose,
    @Nullable String baseline,
    @Nullable Instant changeStartedAt) {}
