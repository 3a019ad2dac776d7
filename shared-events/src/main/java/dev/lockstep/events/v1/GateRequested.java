package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.time.Instant;

/**
 * {@code gate.requested}: evaluate a gate.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param gateId unique in the upgrade ({@code w<wave>-<name>})
 * @param wave the wave it follows
 * @param gate the gate
 * @param purpose verify, or capture a baseline before the change
 * @param changeStartedAt when the wave's first step started (restarts since then count)
 */
public record GateRequested(
    String upgradeId,
    String platform,
    String gateId,
    int wave,
    PlannedGate gate,
    GatePurpose purpose,
    Instant changeStartedAt)
    implements EventPayload {}
