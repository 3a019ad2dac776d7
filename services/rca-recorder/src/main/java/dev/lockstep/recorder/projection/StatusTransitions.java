package dev.lockstep.recorder.projection;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import jakarta.annotation.Nullable;

/**
 * The status of an upgrade as a pure fold over its events and its rollbacks' events: {@code status
 * = next(upgradeId, status, event)} for each event in log order, starting from null.
 */
public final class StatusTransitions {
  private StatusTransitions() {}

  /** The status after one event; events that say nothing about the status leave it as it is. */
  public static UpgradeStatus next(
      String upgradeId, @Nullable UpgradeStatus current, EventEnvelope event) {
    String owner = EventFacts.upgradeIdOf(event);
    if (upgradeId.equals(owner)) {
      return own(current, event);
    }
    if (upgradeId.equals(EventFacts.rollbackOfIn(event))) {
      return ofRollback(current, event);
    }
    return current;
  }

  private static UpgradeStatus own(UpgradeStatus current, EventEnvelope event) {
    Object data = event.data();
    if (data instanceof UpgradeRequested) {
      return current == null ? UpgradeStatus.QUEUED : current;
    }
    if (data instanceof PlanCreated created) {
      if (current != null && !current.active()) {
        return current;
      }
      Plan plan = created.plan();
      boolean later =
          plan.window() != null
              && plan.window().notBefore() != null
              && plan.window().notBefore().isAfter(event.time());
      return later ? UpgradeStatus.SCHEDULED : UpgradeStatus.QUEUED;
    }
    if (data instanceof PlanRejected) {
      return current == null || current.active() ? UpgradeStatus.REJECTED : current;
    }
    if (data instanceof UpgradeCancelled cancelled) {
      if (cancelled.wasRunning()) {
        // a running upgrade stops before its next step, fails as cancelled and is rolled back:
        // it has not ended yet
        return current == null ? UpgradeStatus.RUNNING : current;
      }
      return current == null || current.active() ? UpgradeStatus.CANCELLED : current;
    }
    if (data instanceof UpgradePaused || data instanceof UpgradeWindowClosed) {
      // held before its next wave, by a person or by its closed window
      return current == null || current.active() ? UpgradeStatus.PAUSED : current;
    }
    if (data instanceof UpgradeResumed) {
      return current == UpgradeStatus.PAUSED ? UpgradeStatus.RUNNING : current;
    }
    if (data instanceof UpgradeRescheduled rescheduled) {
      boolean later =
          rescheduled.window().notBefore() != null
              && rescheduled.window().notBefore().isAfter(event.time());
      return current == UpgradeStatus.PAUSED && later ? UpgradeStatus.SCHEDULED : current;
    }
    if (current == UpgradeStatus.PAUSED
        && (data instanceof StepSucceeded || data instanceof GatePassed)) {
      // what was in flight when it was held finishes; it stays held
      return current;
    }
    if (data instanceof UpgradeStarted
        || data instanceof StepStarted
        || data instanceof StepSucceeded
        || data instanceof GatePassed
        || data instanceof StepApproved) {
      return current == null || current.active() ? UpgradeStatus.RUNNING : current;
    }
    if (data instanceof GateRequested) {
      return current == null || current.active() ? UpgradeStatus.WAITING_GATE : current;
    }
    if (data instanceof ApprovalRequested) {
      return current == null || current.active() ? UpgradeStatus.WAITING_APPROVAL : current;
    }
    if (data instanceof UpgradeCompleted || data instanceof RollbackCompleted) {
      // A rollback's own end: the rollback, as an upgrade of its own, has completed.
      return UpgradeStatus.COMPLETED;
    }
    if (data instanceof UpgradeFailed failed) {
      if (current == UpgradeStatus.ROLLING_BACK
          || current == UpgradeStatus.ROLLED_BACK
          || current == UpgradeStatus.ROLLBACK_FAILED) {
        return current;
      }
      if (failed.cancelled() && failed.history().isEmpty()) {
        // cancelled before it changed anything: there is nothing to roll back, it has ended
        return UpgradeStatus.CANCELLED;
      }
      // its rollback follows (ROLLING_BACK, then ROLLED_BACK): not an end yet
      return UpgradeStatus.FAILED;
    }
    if (data instanceof RollbackFailed) {
      return UpgradeStatus.FAILED;
    }
    return current;
  }

  private static UpgradeStatus ofRollback(UpgradeStatus current, EventEnvelope event) {
    Object data = event.data();
    if (data instanceof RollbackCompleted) {
      return UpgradeStatus.ROLLED_BACK;
    }
    if (data instanceof RollbackFailed) {
      return UpgradeStatus.ROLLBACK_FAILED;
    }
    if (data instanceof PlanCreated) {
      // A new rollback plan, also one that retries a failed rollback.
      return UpgradeStatus.ROLLING_BACK;
    }
    if (data instanceof UpgradeStarted) {
      if (current == UpgradeStatus.ROLLED_BACK || current == UpgradeStatus.ROLLBACK_FAILED) {
        return current;
      }
      return UpgradeStatus.ROLLING_BACK;
    }
    return current;
  }
}
