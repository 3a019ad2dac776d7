package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * {@code gate.passed}: a gate passed.
 *
 * @param upgradeId the upgrade
 * @param gateId the gate
 * @param gateName its name
 * @param kind its kind
 * @param measurements every measurement
 * @param baseline for a baseline capture, the value captured
 */
public record GatePassed(
    String upgradeId,
    String gateId,
    String gateName,
    String kind,
    List<Measurement> measurements,
    @Nullable String baseline)
    implements EventPayload {
  public GatePassed {
    measurements = List.copyOf(measurements);
  }
}
