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

/**
 * {@code lockstep cancel}: cancels an upgrade; one that runs stops before its next step and is
 * rolled back.
 */
@Command(
    name = "cancel",
    description =
        "Cancels an upgrade: a queued one ends at once; a running one stops before its next step"
            + " and what it did is rolled back (an ended one: exit code 3).")
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
                        "an upgrade that has ended cannot be cancelled; `lockstep status "
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
