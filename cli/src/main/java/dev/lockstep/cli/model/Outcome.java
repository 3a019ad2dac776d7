package dev.lockstep.cli.model;

import dev.lockstep.cli.ExitCodes;
import java.util.Set;

/**
 * How an upgrade's status reads for {@code watch}: whether it has ended and what its end means as
 * an exit code. The ended statuses are the rca-recorder's terminal ones ({@code completed}, {@code
 * rolled-back}, {@code rollback-failed}, {@code cancelled}, {@code rejected}); {@code failed} ends
 * a rollback (nothing rolls a rollback back), while a failed upgrade is normally followed by its
 * automatic rollback, so it ends only when none follows ({@link #endsAsFailed}).
 */
public final class Outcome {
  private static final Set<String> TERMINAL =
      Set.of("completed", "rolled-back", "rollback-failed", "cancelled", "rejected");

  private Outcome() {}

  /** True when nothing more happens to the upgrade on its own. */
  public static boolean ended(Upgrade upgrade) {
    return TERMINAL.contains(upgrade.status())
        || (upgrade.isRollback() && "failed".equals(upgrade.status()));
  }

  /**
   * True for a failed upgrade with no rollback planned: after a while ({@code watch} waits a
   * minute) it counts as ended, since the planner may have refused the rollback.
   */
  public static boolean endsAsFailed(Upgrade upgrade) {
    return !upgrade.isRollback()
        && "failed".equals(upgrade.status())
        && upgrade.rollbacks().isEmpty();
  }

  /** The exit code of an ended upgrade (see {@link ExitCodes}). */
  public static int exitCode(Upgrade upgrade) {
    String status = upgrade.status();
    if ("completed".equals(status)) {
      return ExitCodes.OK;
    }
    if ("rollback-failed".equals(status) || (upgrade.isRollback() && "failed".equals(status))) {
      return ExitCodes.ROLLBACK_FAILED;
    }
    return ExitCodes.UPGRADE_NOT_COMPLETED;
  }
}
