package dev.lockstep.cli.commands;

import picocli.CommandLine.Command;

/**
 * {@code lockstep cancel}: cancels an upgrade; one that runs stops before its next step and is
 * rolled back.
 */
@Command(
    name = "cancel",
    description =
        "Cancels an upgrade: a queued one ends at once; a running one stops before its next step"
            + " and what it did is rolled back (an ended one: exit code 3).")
public final class CancelCommand extends PauseCommands.UpgradeVerb {
  @Override
  String verb() {
    return "cancel";
  }

  @Override
  String whenRefused() {
    return "an upgrade that has ended cannot be cancelled";
  }
}
