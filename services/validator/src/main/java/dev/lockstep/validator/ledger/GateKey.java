package dev.lockstep.validator.ledger;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;

/**
 * Identifies one evaluation: a gate of an upgrade, for one purpose (a baseline capture and the
 * verify after the change may share the gate id).
 *
 * @param upgradeId the upgrade
 * @param gateId the gate id in the upgrade
 * @param purpose verify or capture-baseline
 */
public record GateKey(String upgradeId, String gateId, GatePurpose purpose) {
  /** The key of a request. */
  public static GateKey of(GateRequested request) {
    return new GateKey(
        request.upgradeId(),
        request.gateId(),
        request.purpose() == null ? GatePurpose.VERIFY : request.purpose());
  }
}
