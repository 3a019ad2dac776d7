package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * {@code upgrade.failed}: an upgrade stopped on a failed step or gate, or was cancelled. The
 * history lists every step that changed the cluster, with its before-states, so that the planner
 * can plan the rollback.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param reason why, for people
 * @param failedStepId the step that failed, if a step failed
 * @param failedGateId the gate that failed, if a gate failed
 * @param cancelled true when a cancel stopped it
 * @param history the steps that changed the cluster, in the order they ran
 */
public record UpgradeFailed(
    String upgradeId,
    String platform,
    String reason,
    @Nullable String failedStepId,
    @Nullable String failedGateId,
    boolean cancelled,
    List<StepOutcome> history)
    implements EventPayload {
  public UpgradeFailed {
    history = List.copyOf(history);
  }
}
