package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.cli.model.Upgrade;
import dev.lockstep.cli.render.UpgradeText;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep status}: one upgrade with its version table, or the list of upgrades. */
@Command(
    name = "status",
    description = {
      "Shows an upgrade as the rca-recorder records it: status, who asked and why, the version"
          + " table (component, from, to, state), gates, approvals waiting and the failure.",
      "Without UPGRADE, lists the upgrades, newest activity first."
    })
public final class StatusCommand extends ServiceCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "UPGRADE", description = "the upgrade id")
  String upgradeId;

  @Option(
      names = {"-p", "--platform"},
      description = "list only this platform's upgrades")
  String platform;

  @Option(
      names = "--status",
      description = "list only upgrades with this status (running, completed, rolled-back, ...)")
  String status;

  @Option(names = "--mode", description = "list only upgrades or only rollbacks")
  String mode;

  @Option(names = "--limit", description = "list at most this many (1 to 1000, default 100)")
  Integer limit;

  @Override
  protected int run() {
    if (upgradeId != null) {
      if (platform != null || status != null || mode != null || limit != null) {
        throw usage("--platform, --status, --mode and --limit filter the list; give no UPGRADE");
      }
      JsonNode answer = Follow.look(client(), upgradeId).json();
      if (json()) {
        printJson(answer);
      } else {
        print(UpgradeText.of(Upgrade.of(answer)));
      }
      return ExitCodes.OK;
    }
    List<String> query = new ArrayList<>();
    if (platform != null) {
      query.add("platform=" + ServiceClient.query(platform));
    }
    if (status != null) {
      query.add("status=" + ServiceClient.query(status));
    }
    if (mode != null) {
      query.add("mode=" + ServiceClient.query(mode));
    }
    if (limit != null) {
      query.add("limit=" + limit);
    }
    String path = "/api/v1/upgrades" + (query.isEmpty() ? "" : "?" + String.join("&", query));
    JsonNode answer = client().send(Call.get(Service.RECORDER, path, Roles.VIEWER)).json();
    if (json()) {
      printJson(answer);
    } else {
      print(UpgradeText.list(Upgrade.listOf(answer)));
    }
    return ExitCodes.OK;
  }
}
