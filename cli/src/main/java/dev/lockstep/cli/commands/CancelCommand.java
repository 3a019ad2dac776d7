package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep cancel}: cancels an upgrade that has not started. */
@Command(
    name = "cancel",
    description =
        "Cancels a queued or scheduled upgrade (one that runs cannot be cancelled: exit code 3).")
public final class CancelCommand extends ServiceCommand {
  @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade id")
  String upgradeId;

  @Option(names = "--reason", description = "why: kept with the cancellation")
  String reason;

  @Override
  protected int run() {
    ObjectNode body = Json.mapper().createObjectNode();
    if (reason != null) {
      body.put("reason", reason);
    }
    JsonNode answer =
        client()
            .send(
                Call.post(
                        Service.PLANNER,
                        "/api/v1/upgrades/" + ServiceClient.segment(upgradeId) + "/cancel",
                        body.toString(),
                        Roles.SUBMITTER)
                    .onRejected(
                        "only a queued or scheduled upgrade can be cancelled; `lockstep status "
                            + upgradeId
                            + "` shows where it stands"))
            .json();
    if (json()) {
      printJson(answer);
    } else {
      out().println("cancel of " + upgradeId + " requested");
      out().flush();
    }
    return ExitCodes.OK;
  }
}
