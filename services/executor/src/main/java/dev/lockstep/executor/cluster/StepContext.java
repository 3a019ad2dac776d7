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
 * @param startedBefore the before-states the step's intent ({@code step.started}) recorded, read
 *     before it first acted; they are what the step reports, even when it runs again after a crash
 *     that came after a delete. Empty when its intent recorded none (a v1 event): then the
 *     before-state stamped on each object, or the object as it is, is reported
 */
public record StepContext(
    String platform,
    String upgradeId,
    PlanStep step,
    List<ObjectState> priorBefore,
    List<ObjectState> startedBefore) {
  public StepContext {
    priorBefore = List.copyOf(priorBefore);
    startedBefore = List.copyOf(startedBefore);
  }
}
