package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep submit}: asks the planner for an upgrade and prints its id. */
@Command(
    name = "submit",
    description = {
      "Requests an upgrade of a platform to a release and prints the upgrade's id.",
      "The release file is posted as YAML; with --reason, --upgrade-id or a window it is sent"
          + " inside a JSON request. --request sends a JSON request as it is."
    })
public final class SubmitCommand extends ServiceCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "RELEASE",
      description = "the release manifest (YAML); - reads stdin")
  String release;

  @Option(
      names = {"-p", "--platform"},
      description = "the platform to upgrade")
  String platform;

  @Option(
      names = "--request",
      paramLabel = "FILE",
      description = "a JSON request {platform, release | releaseRef, upgradeId?, reason?, window?}")
  String request;

  @Option(names = "--reason", description = "why: kept with every step the upgrade runs")
  String reason;

  @Option(names = "--upgrade-id", paramLabel = "ID", description = "the id to give the upgrade")
  String upgradeId;

  @Option(names = "--not-before", paramLabel = "INSTANT", description = "window start (ISO-8601)")
  String notBefore;

  @Option(names = "--not-after", paramLabel = "INSTANT", description = "window end (ISO-8601)")
  String notAfter;

  @Option(names = "--watch", description = "follow the upgrade until it ends (see `watch`)")
  boolean watch;

  @Mixin WatchOptions watchOptions;

  @Override
  protected int run() {
    Call call;
    if (request != null) {
      if (release != null) {
        throw usage("give a RELEASE file or --request, not both");
      }
      if (platform != null
          || reason != null
          || upgradeId != null
          || notBefore != null
          || notAfter != null) {
        throw usage(
            "a --request file carries its own platform, reason, upgrade id and window;"
                + " do not combine it with --platform, --reason, --upgrade-id or --not-*");
      }
      String text = Inputs.text(request, root().stdin());
      Inputs.jsonObject(request, text);
      call = Call.post(Service.PLANNER, "/api/v1/upgrades", text, Roles.SUBMITTER);
    } else {
      if (release == null) {
        throw usage("give the RELEASE file to upgrade to (or --request FILE)");
      }
      if (platform == null || platform.isBlank()) {
        throw usage("--platform is required with a RELEASE file");
      }
      String text = Inputs.text(release, root().stdin());
      if (reason == null && upgradeId == null && notBefore == null && notAfter == null) {
        call =
            Call.post(
                    Service.PLANNER,
                    "/api/v1/upgrades?platform=" + ServiceClient.query(platform),
                    text,
                    Roles.SUBMITTER)
                .withContentType("application/yaml");
      } else {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("platform", platform);
        body.set("release", Inputs.yaml(release, text));
        if (upgradeId != null) {
          body.put("upgradeId", upgradeId);
        }
        if (reason != null) {
          body.put("reason", reason);
        }
        if (notBefore != null || notAfter != null) {
          ObjectNode window = body.putObject("window");
          window.put("notBefore", Inputs.instant("--not-before", notBefore));
          window.put("notAfter", Inputs.instant("--not-after", notAfter));
        }
        call = Call.post(Service.PLANNER, "/api/v1/upgrades", body.toString(), Roles.SUBMITTER);
      }
    }
    JsonNode answer =
        client()
            .send(
                call.onRejected(
                    "`lockstep plan` shows what the planner finds wrong without submitting"))
            .json();
    String id = answer.path("upgradeId").asText();
    if (!watch) {
      if (json()) {
        printJson(answer);
      } else {
        out().println(id);
        out().flush();
        note(
            "upgrade "
                + id
                + " is "
                + answer.path("status").asText("queued")
                + "; follow it with: lockstep watch "
                + id);
      }
      return ExitCodes.OK;
    }
    if (!json()) {
      out().println(id);
      out().flush();
    }
    return Follow.follow(this, id, watchOptions);
  }
}
