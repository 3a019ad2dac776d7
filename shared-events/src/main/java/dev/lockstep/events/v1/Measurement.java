package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One measurement of a gate.
 *
 * @param index 0 for the first measurement of the gate
 * @param phase its outcome
 * @param value the measured value as text (a number, a status, a row count)
 * @param message what was measured or what went wrong, without secrets
 * @param measuredAt when
 */
public record Measurement(
    int index,
    MeasurementPhase phase,
    @Nullable String value,
    @Nullable String message,
    Instant measuredAt) {}
