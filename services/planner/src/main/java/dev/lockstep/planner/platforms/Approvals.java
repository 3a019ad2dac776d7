package dev.lockstep.planner.platforms;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.planner.model.Codes;
import java.util.List;
import java.util.Optional;

/**
 * Who may approve a step that waits for approval: an approval through the planner's API (which
 * checked the caller's role and the platform's approvers) is obeyed; one another producer puts on
 * Kafka only from an approver of the platform ({@code lockstep.platforms.<id>.approvers}).
 */
final class Approvals {
  private Approvals() {}

  /**
   * The answer to an approval: {@code step.approved}, or {@code plan.rejected} for a step that is
   * not active or does not wait for approval, or for an approval sent on Kafka by someone who is
   * not one of the platform's approvers; nothing for a step already approved.
   */
  /** Whether the plan has a step of this id that is an approval, or an approval gate of this id. */
  private static boolean waitsForApproval(UpgradeRecord upgrade, String id) {
    for (Wave wave : upgrade.plan.waves()) {
      for (PlanStep step : wave.steps()) {
        if (step.id().equals(id) && step.action() == StepAction.APPROVE) {
          return true;
        }
      }
      for (PlannedGate gate : wave.gates()) {
        if ("approval".equals(gate.kind()) && ("w" + wave.index() + "-" + gate.name()).equals(id)) {
          return true;
        }
      }
    }
    return false;
  }

  static Optional<EventPayload> decide(
      PlannerState state, PlatformPolicy policy, EventEnvelope event, StepApprovalGranted a) {
    Optional<UpgradeRecord> target = state.upgrade(a.upgradeId());
    boolean waits =
        target
            .filter(UpgradeRecord::active)
            .map(u -> waitsForApproval(u, a.stepId()))
            .orElse(false);
    if (!waits) {
      return Optional.of(
          new PlanRejected(
              a.upgradeId(),
              a.platform(),
              event.type(),
              event.id(),
              List.of(
                  new ErrorDetail(
                      Codes.NOT_FOUND,
                      "stepId",
                      "upgrade "
                          + a.upgradeId()
                          + " has no active step "
                          + a.stepId()
                          + " that waits for approval (an approval step, or an approval gate"
                          + " w<wave>-<name>)")),
              a.approvedBy()));
    }
    if (target.get().approvedSteps.contains(a.stepId())) {
      return Optional.empty();
    }
    boolean throughTheApi = EventEnvelope.sourceOf(PlannerCore.SERVICE).equals(event.source());
    if (!throughTheApi && !policy.isApprover(a.platform(), a.approvedBy())) {
      return Optional.of(
          new PlanRejected(
              a.upgradeId(),
              a.platform(),
              event.type(),
              event.id(),
              List.of(
                  new ErrorDetail(
                      Codes.FORBIDDEN,
                      "approvedBy",
                      "an approval sent on Kafka by "
                          + event.source()
                          + " is taken only from an approver of platform "
                          + a.platform()
                          + " (lockstep.platforms."
                          + a.platform()
                          + ".approvers); '"
                          + a.approvedBy()
                          + "' is not one. Approve through the planner's API instead")),
              a.approvedBy()));
    }
    return Optional.of(
        new StepApproved(a.upgradeId(), a.platform(), a.stepId(), a.approvedBy(), a.comment()));
  }
}
