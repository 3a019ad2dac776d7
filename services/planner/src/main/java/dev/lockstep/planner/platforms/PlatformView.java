package dev.lockstep.planner.platforms;

import dev.lockstep.planner.model.RunningComponent;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * A platform as {@code GET /api/v1/platforms/{p}} shows it: the release it runs, its inventory, its
 * active upgrade and its queue.
 *
 * @param platform the platform
 * @param release the release it last completed, if known
 * @param inventory what runs
 * @param active the active upgrade, if any
 * @param queue the requests waiting behind it, oldest first
 */
public record PlatformView(
    String platform,
    @Nullable String release,
    List<RunningComponent> inventory,
    @Nullable UpgradeSummary active,
    List<UpgradeSummary> queue) {

  /**
   * One upgrade or rollback, in short.
   *
   * @param upgradeId its id
   * @param platform the platform
   * @param status queued, scheduled, completed, failed, rolled-back, cancelled or rejected
   * @param mode upgrade or rollback
   * @param toRelease the release it reaches, once planned
   * @param rollbackOf for a rollback, the upgrade it rolls back
   * @param requestedBy who asked
   */
  public record UpgradeSummary(
      String upgradeId,
      String platform,
      String status,
      String mode,
      @Nullable String toRelease,
      @Nullable String rollbackOf,
      @Nullable String requestedBy) {
    static UpgradeSummary of(UpgradeRecord u) {
      String mode =
          u.rollbackTarget != null
                  || (u.plan != null && u.plan.mode() == dev.lockstep.events.v1.PlanMode.ROLLBACK)
              ? "rollback"
              : "upgrade";
      String to =
          u.plan != null
              ? u.plan.toRelease()
              : u.request != null && u.request.release() != null
                  ? u.request.release().metadata().version()
                  : u.request != null && u.request.releaseRef() != null
                      ? u.request.releaseRef().version()
                      : null;
      return new UpgradeSummary(
          u.upgradeId, u.platform, u.status(), mode, to, u.rollbackTarget, u.requestedBy);
    }
  }
}
