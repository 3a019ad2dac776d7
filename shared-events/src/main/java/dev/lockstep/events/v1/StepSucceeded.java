package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * {@code step.succeeded}: a step is done; {@code before} holds the state of every object it
 * changed, as it was before.
 *
 * @param upgradeId the upgrade
 * @param stepId the step
 * @param wave its wave
 * @param component its component
 * @param action what it did
 * @param from the component's version before
 * @param to the version after
 * @param before the before-states
 * @param snapshot the snapshot a backup step took
 */
public record StepSucceeded(
    String upgradeId,
    String stepId,
    int wave,
    String component,
    StepAction action,
    @Nullable String from,
    @Nullable String to,
    List<ObjectState> before,
    @Nullable String snapshot)
    implements EventPayload {
  public StepSucceeded {
    before = List.copyOf(before);
  }
}
