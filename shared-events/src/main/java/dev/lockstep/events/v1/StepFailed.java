package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.util.List;

/**
 * {@code step.failed}: a step failed.
 *
 * @param upgradeId the upgrade
 * @param stepId the step
 * @param wave its wave
 * @param component its component
 * @param action what it tried
 * @param reason why, for people
 * @param before the before-states of objects it had already changed
 */
public record StepFailed(
    String upgradeId,
    String stepId,
    int wave,
    String component,
    StepAction action,
    String reason,
    List<ObjectState> before)
    implements EventPayload {
  public StepFailed {
    before = List.copyOf(before);
  }
}
