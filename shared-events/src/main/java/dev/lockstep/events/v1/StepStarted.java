package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.util.List;

/**
 * {@code step.started}: the executor's intent to run a step, written before it acts. Since v2 it
 * carries the before-state of every object the step will change, read from the cluster before the
 * first attempt, so that the before-state survives a crash between a delete and the step's result;
 * every later attempt of the step carries the before-states of the first.
 *
 * @param upgradeId the upgrade
 * @param stepId the step
 * @param wave its wave
 * @param component its component
 * @param action what it does
 * @param attempt 1 for the first attempt; higher after a restart
 * @param before the before-states read before acting; empty for a step that changes no object it
 *     could read first (an approval, a backup), and for a v1 event
 */
public record StepStarted(
    String upgradeId,
    String stepId,
    int wave,
    String component,
    StepAction action,
    int attempt,
    List<ObjectState> before)
    implements EventPayload {
  public StepStarted {
    before = List.copyOf(before);
  }

  /** An intent that records no before-state: an approval step, or an event of a v1 producer. */
  public StepStarted(
      String upgradeId, String stepId, int wave, String component, StepAction action, int attempt) {
    this(upgradeId, stepId, wave, component, action, attempt, List.of());
  }
}
