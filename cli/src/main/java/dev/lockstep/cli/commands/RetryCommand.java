package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lockstep retry}: the release of an upgrade that failed, was rolled back or was cancelled
 * is requested again on the same platform, as a new upgrade whose id is printed.
 */
@Command(
    name = "retry",
    description =
        "Requests the release of an upgrade that failed, was rolled back or was cancelled again on"
            + " the same platform, as a new upgrade; prints its id (running or completed: exit"
            + " code 3).")
public final class RetryCommand extends PauseCommands.UpgradeVerb {
  @Option(names = "--watch", description = "follow the new upgrade until it ends (see `watch`)")
  boolean watch;

  @Mixin WatchOptions watchOptions;

  @Override
  String verb() {
    return "retry";
  }

  @Override
  String whenRefused() {
    return "only an upgrade that ended failed, rolled back or cancelled can be retried";
  }

  @Override
  int answered(JsonNode answer) {
    String id = answer.path("upgradeId").asText();
    if (watch) {
      if (!json()) {
        out().println(id);
        out().flush();
      }
      return Follow.follow(this, id, watchOptions);
    }
    if (json()) {
      printJson(answer);
    } else {
      out().println(id);
      out().flush();
      note("upgrade " + id + " retries " + upgradeId + "; follow it with: lockstep watch " + id);
    }
    return ExitCodes.OK;
  }
}
