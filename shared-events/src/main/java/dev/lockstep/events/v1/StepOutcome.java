package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.util.List;

/**
 * A step of the upgrade that changed the cluster, as {@code upgrade.failed} reports it, so that the
 * planner can plan the rollback from the recorded before-states alone.
 *
 * @param stepId the step
 * @param component its component
 * @param action what it did
 * @param from the component's version before
 * @param to the version it moved to
 * @param before the before-state of every object it changed
 * @param snapshot the snapshot a backup step took
 */
public record StepOutcome(
    String stepId,
    String component,
    StepAction action,
    @Nullable String from,
    @Nullable String to,
    List<ObjectState> before,
    @Nullable String snapshot) {
  public StepOutcome {
    before = List.copyOf(before);
  }
}
