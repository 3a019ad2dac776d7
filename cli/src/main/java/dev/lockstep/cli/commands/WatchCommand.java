package dev.lockstep.cli.commands;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lockstep watch}: follows an upgrade until it ends; the exit code says how it ended. */
@Command(
    name = "watch",
    description = {
      "Follows an upgrade until it ends: redrawn in place on a terminal, one line per change"
          + " when piped.",
      "Exit code: 0 completed, 1 rolled back, cancelled, rejected or failed, 7 the rollback"
          + " failed, 8 --timeout passed."
    })
public final class WatchCommand extends ServiceCommand {
  @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade (or rollback) id")
  String upgradeId;

  @Mixin WatchOptions watchOptions;

  @Override
  protected int run() {
    return Follow.follow(this, upgradeId, watchOptions);
  }
}
