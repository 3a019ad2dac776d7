package dev.lockstep.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.render.PlanText;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lockstep plan}: the planner's preview of an upgrade, with no side effect; with {@code
 * --offline}, the planner's own rules run inside the command, with no service running, so that a
 * release can be checked where it is written (a CI job), as {@code helm template} is used.
 */
@Command(
    name = "plan",
    description = {
      "Previews the plan of an upgrade without starting it: the version table, the waves"
          + " with their steps and gates, the risk, the expected downtime and the window.",
      "A release the planner rejects exits with code 3 and lists every problem.",
      "With --offline the planner's rules run here, with nothing running: the same plan and the"
          + " same errors as the planner's preview for the same release and --current."
    })
public final class PlanCommand extends ServiceCommand {
  @Option(
      names = "--offline",
      description =
          "plan here, without the planner: checks the release and plans it against --current"
              + " (or an empty platform)")
  boolean offline;

  @Option(
      names = "--namespaces",
      paramLabel = "NS,NS",
      split = ",",
      description =
          "with --offline: the namespaces the platform allows (as the planner's platform"
              + " configuration); without it, namespaces are not checked")
  java.util.List<String> namespaces;

  @Option(
      names = "--gates",
      paramLabel = "FILE",
      description =
          "with --offline: what the platform's gates may reach, a YAML map with the keys of the"
              + " planner's lockstep.platforms.<id>.gates (http-hosts, secret-hosts,"
              + " prometheus-servers, datasources); without it, gates are not checked")
  String gates;

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      description =
          "with --offline: where the release's Helm charts and manifests files are found (the"
              + " planner's lockstep.planner.charts-dir); default: the release file's folder")
  String charts;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "RELEASE",
      description = "the release manifest (YAML); - reads stdin")
  String release;

  @Option(
      names = {"-p", "--platform"},
      description = "the platform to plan for")
  String platform;

  @Option(
      names = "--request",
      paramLabel = "FILE",
      description = "a JSON preview request {platform, release, current?, window?}")
  String request;

  @Option(
      names = "--current",
      paramLabel = "FILE",
      description =
          "plan against these running components instead of the platform's inventory: a JSON"
              + " or YAML list of {name, version, layer, requires}, or an object with it under"
              + " current or inventory (the answer of GET /api/v1/platforms/{p})")
  String current;

  @Option(names = "--not-before", paramLabel = "INSTANT", description = "window start (ISO-8601)")
  String notBefore;

  @Option(names = "--not-after", paramLabel = "INSTANT", description = "window end (ISO-8601)")
  String notAfter;

  @Override
  protected int run() {
    String body;
    if (request != null) {
      if (release != null
          || platform != null
          || current != null
          || notBefore != null
          || notAfter != null) {
        throw usage("a --request file is the whole preview request; give no other input with it");
      }
      String text = Inputs.text(request, root().stdin());
      Inputs.jsonObject(request, text);
      body = text;
    } else {
      if (release == null) {
        throw usage("give the RELEASE file to plan (or --request FILE)");
      }
      if (offline && (platform == null || platform.isBlank())) {
        platform = "offline";
      }
      if (platform == null || platform.isBlank()) {
        throw usage("--platform is required with a RELEASE file");
      }
      ObjectNode tree = Json.mapper().createObjectNode();
      tree.put("platform", platform);
      tree.set("release", Inputs.yaml(release, Inputs.text(release, root().stdin())));
      if (current != null) {
        tree.set("current", currentList(current));
      }
      if (notBefore != null || notAfter != null) {
        ObjectNode window = tree.putObject("window");
        window.put("notBefore", Inputs.instant("--not-before", notBefore));
        window.put("notAfter", Inputs.instant("--not-after", notAfter));
      }
      body = tree.toString();
    }
    if (!offline && (namespaces != null || charts != null || gates != null)) {
      throw usage("--namespaces, --gates and --charts go with --offline");
    }
    if (offline) {
      Plan plan = OfflinePlanner.plan(body, chartsDirectory());
      if (json()) {
        printJson(Json.mapper().valueToTree(plan));
      } else {
        print(PlanText.of(plan));
      }
      return ExitCodes.OK;
    }
    JsonNode answer =
        client()
            .send(
                Call.post(Service.PLANNER, "/api/v1/plans/preview", body, Roles.VIEWER)
                    .onRejected(
                        "each path points into the request: release.spec... is the release"
                            + " file's spec"))
            .json();
    if (json()) {
      printJson(answer);
    } else {
      print(PlanText.of(plan(answer)));
    }
    return ExitCodes.OK;
  }

  private OfflinePlanner.Settings chartsDirectory() {
    java.nio.file.Path dir;
    if (charts != null) {
      dir = java.nio.file.Path.of(charts);
    } else if (release != null && !release.equals("-")) {
      java.nio.file.Path parent = java.nio.file.Path.of(release).toAbsolutePath().getParent();
      dir = parent == null ? java.nio.file.Path.of(".") : parent;
    } else {
      dir = java.nio.file.Path.of(".");
    }
    return new OfflinePlanner.Settings(
        dir,
        namespaces == null ? null : java.util.Set.copyOf(namespaces),
        gates == null
            ? null
            : OfflinePlanner.gates(Inputs.yaml(gates, Inputs.text(gates, root().stdin())), gates));
  }

  private JsonNode currentList(String file) {
    JsonNode tree = Inputs.yaml(file, Inputs.text(file, root().stdin()));
    if (tree.isObject()) {
      tree = tree.has("current") ? tree.get("current") : tree.path("inventory");
    }
    if (!tree.isArray()) {
      throw new CliException(
          ExitCodes.USAGE,
          file + " holds no list of running components",
          "write a list of {name, version, layer, requires}, or save GET /api/v1/platforms/{p}");
    }
    return tree;
  }

  private static Plan plan(JsonNode answer) {
    try {
      return Json.mapper().treeToValue(answer, Plan.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new CliException(
          ExitCodes.UNAVAILABLE,
          "the planner's preview is not a plan this command can read: "
              + e.getMessage().lines().findFirst().orElse(""),
          "`lockstep plan --output json` prints it as it is");
    }
  }
}
