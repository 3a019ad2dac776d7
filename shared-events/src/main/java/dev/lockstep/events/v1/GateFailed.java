package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.util.List;

/**
 * {@code gate.failed}: a gate failed.
 *
 * @param upgradeId the upgrade
 * @param gateId the gate
 * @param gateName its name
 * @param kind its kind
 * @param reason why, for people
 * @param measurements every measurement
 */
public record GateFailed(
    String upgradeId,
    String gateId,
    String gateName,
    String kind,
    String reason,
    List<Measurement> measurements)
    implements EventPayload {
  public GateFailed {
    measurements = List.copyOf(measurements);
  }
}
