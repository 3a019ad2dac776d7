package dev.lockstep.cli.commands;

import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.cli.model.Outcome;
import dev.lockstep.cli.watch.Snapshot;
import dev.lockstep.cli.watch.WatchDisplay;
import dev.lockstep.cli.watch.Watcher;
import java.time.Clock;

/** Follows an upgrade for {@code watch}, {@code submit --watch} and {@code rollback --watch}. */
final class Follow {
  private Follow() {}

  /** The recorder's view of an upgrade. */
  static Snapshot look(ServiceClient client, String upgradeId) {
    return Snapshot.of(
        client
            .send(
                Call.get(
                    Service.RECORDER,
                    "/api/v1/upgrades/" + ServiceClient.segment(upgradeId),
                    Roles.VIEWER))
            .json());
  }

  /** Follows the upgrade until it ends; returns the exit code its end means. */
  static int follow(ServiceCommand command, String upgradeId, WatchOptions options) {
    ServiceClient client = command.client();
    Clock clock = command.root().clock();
    boolean tty = options.tty != null ? options.tty : command.root().isTerminal();
    WatchDisplay display =
        command.json()
            ? WatchDisplay.json(command.out())
            : tty
                ? WatchDisplay.live(
                    command.out(), clock, command.root().zone(), command.root().columns())
                : WatchDisplay.plain(command.out(), command.root().zone());
    Watcher watcher =
        new Watcher(
            id -> look(client, id),
            clock,
            command.root().sleeper(),
            Watcher.Settings.of(options.interval, options.timeout));
    Snapshot end = watcher.follow(upgradeId, display::show);
    display.end(end);
    int code = Outcome.exitCode(end.upgrade());
    String id = end.upgrade().upgradeId();
    if (code == ExitCodes.ROLLBACK_FAILED) {
      String rollback =
          end.upgrade().rollbacks().isEmpty()
              ? id
              : end.upgrade().rollbacks().get(end.upgrade().rollbacks().size() - 1);
      command.note(
          "hint: the rollback did not finish and the platform needs a person: `lockstep status "
              + rollback
              + "` shows the step that failed");
    } else if (code != ExitCodes.OK && !end.upgrade().steps().isEmpty()) {
      command.note("hint: `lockstep postmortem " + id + "` writes what happened and why");
    }
    return code;
  }
}
