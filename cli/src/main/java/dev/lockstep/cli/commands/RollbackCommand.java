package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lockstep rollback}: asks the planner to roll a completed upgrade back (a failed one is
 * rolled back automatically). Prints the rollback's id, which {@code watch} follows.
 */
@Command(
    name = "rollback",
    description = {
      "Rolls back a completed upgrade, top-down, to the versions recorded before it; prints the"
          + " rollback's id. A failed upgrade is rolled back automatically.",
      "With --platform alone, the platform's newest completed upgrade is rolled back."
    })
public final class RollbackCommand extends ServiceCommand {
  @Option(
      names = {"-p", "--platform"},
      description = "the platform whose newest completed upgrade to roll back")
  String platform;

  @Option(names = "--upgrade", paramLabel = "UPGRADE", description = "the upgrade to roll back")
  String upgradeId;

  @Option(names = "--reason", description = "why: kept with every step the rollback runs")
  String reason;

  @Option(names = "--watch", description = "follow the rollback until it ends (see `watch`)")
  boolean watch;

  @Mixin WatchOptions watchOptions;

  @Override
  protected int run() {
    if (platform == null && upgradeId == null) {
      throw usage("give --platform (its newest completed upgrade) or --upgrade UPGRADE");
    }
    String target = upgradeId != null ? upgradeId : newestCompleted(platform);
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("upgradeId", target);
    if (reason != null) {
      body.put("reason", reason);
    }
    JsonNode answer =
        client()
            .send(Call.post(Service.PLANNER, "/api/v1/rollbacks", body.toString(), Roles.SUBMITTER))
            .json();
    String rollbackId = answer.path("rollbackId").asText();
    if (!watch) {
      if (json()) {
        printJson(answer);
      } else {
        out().println(rollbackId);
        out().flush();
        note(
            "rollback "
                + rollbackId
                + " of "
                + target
                + " requested; follow it with: lockstep watch "
                + rollbackId);
      }
      return ExitCodes.OK;
    }
    if (!json()) {
      out().println(rollbackId);
      out().flush();
    }
    return Follow.follow(this, rollbackId, watchOptions);
  }

  private String newestCompleted(String platform) {
    JsonNode list =
        client()
            .send(
                Call.get(
                    Service.RECORDER,
                    "/api/v1/upgrades?platform="
                        + ServiceClient.query(platform)
                        + "&mode=upgrade&status=completed&limit=1",
                    Roles.VIEWER))
            .json();
    if (!list.isArray() || list.isEmpty()) {
      throw new CliException(
          ExitCodes.NOT_FOUND,
          "platform " + platform + " has no completed upgrade to roll back",
          "a failed upgrade is rolled back automatically; `lockstep status --platform "
              + platform
              + "` lists its upgrades");
    }
    String id = list.get(0).path("upgradeId").asText();
    note("rolling back " + id + ", the newest completed upgrade of " + platform);
    return id;
  }
}
