package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;

/**
 * {@code gate.measured}: one measurement of a gate.
 *
 * @param upgradeId the upgrade
 * @param gateId the gate
 * @param gateName its name
 * @param kind its kind
 * @param measurement the measurement
 */
public record GateMeasured(
    String upgradeId, String gateId, String gateName, String kind, Measurement measurement)
    implements EventPayload {}
