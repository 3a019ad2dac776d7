package dev.lockstep.planner.platforms;

import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.planner.windows.WindowPolicy;
import java.time.Instant;
import java.util.Optional;

/**
 * The answer to an upgrade held because its window closed ({@code upgrade.window-closed}), by the
 * platform's window policy: with {@code pause}, {@code upgrade.rescheduled} into the platform's
 * next recurring window (none when it has no recurring windows: the upgrade stays held until a
 * person resumes it); with {@code rollback}, {@code upgrade.cancelled} of the running upgrade,
 * which the executor ends as cancelled and the planner then rolls back. Answered once: the answer
 * lifts the hold, or marks the cancel, in the state.
 */
final class ClosedWindows {
  /** Who a cancel by the window policy names. */
  static final String BY = "planner";

  private ClosedWindows() {}

  static Optional<EventPayload> answer(UpgradeRecord held, PlatformPolicy policy, Instant now) {
    if (!held.heldByWindow || held.cancelEmitted || !held.active()) {
      return Optional.empty();
    }
    if (policy.windowPolicy(held.platform) == WindowPolicy.ROLLBACK) {
      return Optional.of(
          new UpgradeCancelled(
              held.upgradeId,
              held.platform,
              BY,
              "its maintenance window closed at "
                  + held.windowClosedAt
                  + " before wave "
                  + held.waveNotStarted
                  + " (window-policy rollback)",
              true));
    }
    return policy
        .nextWindow(held.platform, now)
        .map(window -> new UpgradeRescheduled(held.upgradeId, held.platform, window));
  }
}
