package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import java.util.List;

/**
 * One step as the cluster side needs it.
 *
 * @param platform the platform
 * @param upgradeId the upgrade (or rollback) the step belongs to
 * @param step the step
 * @param priorBefore before-states that earlier steps of the same component recorded
 */
public record StepContext(
    String platform, String upgradeId, PlanStep step, List<ObjectState> priorBefore) {
  public StepContext {
    priorBefore = List.copyOf(priorBefore);
  }
}
