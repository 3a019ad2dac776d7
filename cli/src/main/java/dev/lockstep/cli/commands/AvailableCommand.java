package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.cli.render.Table;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lockstep available}: newer catalogued releases that plan from a platform's inventory. */
@Command(
    name = "available",
    description =
        "Lists the catalogued releases newer than what a platform runs that plan from its"
            + " inventory, with the release it runs and its active upgrade.")
public final class AvailableCommand extends ServiceCommand {
  @Option(
      names = {"-p", "--platform"},
      required = true,
      description = "the platform")
  String platform;

  @Override
  protected int run() {
    String base = "/api/v1/platforms/" + ServiceClient.segment(platform);
    JsonNode available =
        client().send(Call.get(Service.PLANNER, base + "/available-upgrades", Roles.VIEWER)).json();
    if (json()) {
      printJson(available);
      return ExitCodes.OK;
    }
    JsonNode view = client().send(Call.get(Service.PLANNER, base, Roles.VIEWER)).json();
    print(lines(platform, view, available));
    return ExitCodes.OK;
  }

  /** The text: what the platform runs, its active upgrade and queue, then the releases. */
  static List<String> lines(String platform, JsonNode view, JsonNode available) {
    List<String> lines = new ArrayList<>();
    lines.add(
        platform
            + (view.hasNonNull("release")
                ? " runs release " + view.path("release").asText()
                : " runs no release Lockstep completed yet")
            + " ("
            + view.path("inventory").size()
            + " components)");
    JsonNode active = view.path("active");
    if (active.isObject()) {
      lines.add(
          "active: "
              + active.path("mode").asText("upgrade")
              + " "
              + active.path("upgradeId").asText()
              + " ("
              + active.path("status").asText()
              + ")");
    }
    if (view.path("queue").size() > 0) {
      lines.add("queued: " + view.path("queue").size() + " more");
    }
    lines.add("");
    JsonNode releases = available.path("releases");
    if (releases.isEmpty()) {
      lines.add("no newer catalogued release plans from its inventory");
      return lines;
    }
    Table table = new Table("product", "version", "components", "notes");
    for (JsonNode r : releases) {
      String notes = r.path("notes").asText("").strip();
      table.row(
          r.path("product").asText(),
          r.path("version").asText(),
          r.path("components").asText(),
          notes.lines().findFirst().orElse(""));
    }
    lines.addAll(table.lines());
    return lines;
  }
}
