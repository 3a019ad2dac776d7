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

/** {@code lockstep approve}: approves a step that waits for a person. */
@Command(
    name = "approve",
    description = "Approves a step that waits for approval (the token needs the approver role).")
public final class ApproveCommand extends ServiceCommand {
  @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade (or rollback) id")
  String upgradeId;

  @Parameters(index = "1", paramLabel = "STEP", description = "the step id, as `status` shows it")
  String stepId;

  @Option(names = "--comment", description = "kept with the approval")
  String comment;

  @Override
  protected int run() {
    ObjectNode body = Json.mapper().createObjectNode();
    if (comment != null) {
      body.put("comment", comment);
    }
    JsonNode answer =
        client()
            .send(
                Call.post(
                    Service.PLANNER,
                    "/api/v1/upgrades/"
                        + ServiceClient.segment(upgradeId)
                        + "/steps/"
                        + ServiceClient.segment(stepId)
                        + "/approve",
                    body.toString(),
                    Roles.APPROVER))
            .json();
    if (json()) {
      printJson(answer);
    } else {
      out().println("approval of step " + stepId + " of " + upgradeId + " submitted");
      out().flush();
    }
    return ExitCodes.OK;
  }
}
