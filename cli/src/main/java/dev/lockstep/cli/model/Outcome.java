package dev.lockstep.cli.model;

import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.UpgradeStatus;

/**
 * How an upgrade's status reads for {@code watch}: whether it has ended and what its end means as
 * an exit code. The ended statuses are the terminal ones of {@link UpgradeStatus} ({@code
 * completed}, {@code rolled-back}, {@code rollback-failed}, {@code cancelled}, {@code rejected}),
 * which the rca-recorder serves; a status this version does not know has not ended. {@code failed}
 * ends a rollback (nothing rolls a rollback back), while a failed upgrade is normally followed by
 * its automatic rollback, so it ends only when none follows ({@link #endsAsFailed}).
 */
public final class Outcome {
  private Outcome() {}

  /** True when nothing more happens to the upgrade on its own. */
  public static boolean ended(Upgrade upgrade) {
    return UpgradeStatus.ofWire(upgrade.status()).map(UpgradeStatus::terminal).orElse(false)
        || (upgrade.isRollback() && is(upgrade, UpgradeStatus.FAILED));
  }

  /**
   * True for a failed upgrade with no rollback planned: after a while ({@code watch} waits a
   * minute) it counts as ended, since the planner may have refused the rollback.
   */
  public static boolean endsAsFailed(Upgrade upgrade) {
    return !upgrade.isRollback()
        && is(upgrade, UpgradeStatus.FAILED)
        && upgrade.rollbacks().isEmpty();
  }

  /** The exit code of an ended upgrade (see {@link ExitCodes}). */
  public static int exitCode(Upgrade upgrade) {
    if (is(upgrade, UpgradeStatus.COMPLETED)) {
      return ExitCodes.OK;
    }
    if (is(upgrade, UpgradeStatus.ROLLBACK_FAILED)
        || (upgrade.isRollback() && is(upgrade, UpgradeStatus.FAILED))) {
      return ExitCodes.ROLLBACK_FAILED;
    }
    return ExitCodes.UPGRADE_NOT_COMPLETED;
  }

  private static boolean is(Upgrade upgrade, UpgradeStatus status) {
    return status.wire().equals(upgrade.status());
  }
}
