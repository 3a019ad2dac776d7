package dev.lockstep.planner.platforms;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.planner.model.Codes;
import java.util.List;
import java.util.Optional;

/**
 * The answers to a pause or a resume: a running upgrade is paused once and a paused one resumed
 * once ({@code upgrade.paused}, {@code upgrade.resumed}; a resume also lifts the hold of a closed
 * window, and the upgrade then runs on without a window); asking for what already holds writes
 * nothing; an upgrade that is unknown on the platform or not running gets {@code plan.rejected}.
 */
final class Pauses {
  private Pauses() {}

  static Optional<EventPayload> pause(
      PlannerState state, EventEnvelope event, UpgradePauseRequested p) {
    Optional<PlanRejected> refused =
        refusal(state, event, p.upgradeId(), p.platform(), p.requestedBy());
    if (refused.isPresent()) {
      return Optional.of(refused.get());
    }
    if (state.upgrade(p.upgradeId()).orElseThrow().paused) {
      return Optional.empty();
    }
    return Optional.of(new UpgradePaused(p.upgradeId(), p.platform(), p.requestedBy(), p.reason()));
  }

  static Optional<EventPayload> resume(
      PlannerState state, EventEnvelope event, UpgradeResumeRequested r) {
    Optional<PlanRejected> refused =
        refusal(state, event, r.upgradeId(), r.platform(), r.requestedBy());
    if (refused.isPresent()) {
      return Optional.of(refused.get());
    }
    UpgradeRecord held = state.upgrade(r.upgradeId()).orElseThrow();
    if (!held.paused && !held.heldByWindow) {
      return Optional.empty();
    }
    return Optional.of(
        new UpgradeResumed(r.upgradeId(), r.platform(), r.requestedBy(), r.reason()));
  }

  /**
   * The {@code plan.rejected} that answers a pause or resume of an upgrade that is unknown on the
   * platform or not running (planned and not ended); empty when it runs.
   */
  private static Optional<PlanRejected> refusal(
      PlannerState state, EventEnvelope event, String upgradeId, String platform, String by) {
    Optional<UpgradeRecord> target = state.upgrade(upgradeId);
    ErrorDetail error;
    if (target.isEmpty() || !platform.equals(target.get().platform)) {
      error =
          new ErrorDetail(
              Codes.NOT_FOUND,
              "upgradeId",
              "upgrade " + upgradeId + " is not known on platform " + platform);
    } else if (!target.get().active()) {
      error =
          new ErrorDetail(
              Codes.CONFLICT,
              "upgradeId",
              "upgrade "
                  + upgradeId
                  + " is "
                  + target.get().status()
                  + ": only a running upgrade can be paused or resumed");
    } else {
      return Optional.empty();
    }
    return Optional.of(
        new PlanRejected(upgradeId, platform, event.type(), event.id(), List.of(error), by));
  }
}
