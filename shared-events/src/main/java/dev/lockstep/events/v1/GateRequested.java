package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
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
 * @param baselineOf since v2: the upgrade whose baseline a gate that compares to one compares with,
 *     when it is not this one: a rollback's gates compare with the baseline taken before the
 *     upgrade it rolls back began; null for the upgrade's own (the latest taken)
 */
public record GateRequested(
    String upgradeId,
    String platform,
    String gateId,
    int wave,
    PlannedGate gate,
    GatePurpose purpose,
    Instant changeStartedAt,
    @Nullable String baselineOf)
    implements EventPayload {

  /** A request of the upgrade's own gate, compared with the upgrade's own baseline. */
  public GateRequested(
      String upgradeId,
      String platform,
      String gateId,
      int wave,
      PlannedGate gate,
      GatePurpose purpose,
      Instant changeStartedAt) {
    this(upgradeId, platform, gateId, wave, gate, purpose, changeStartedAt, null);
  }
}
