package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.ManifestFiles;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.PreviewBodies;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.planning.UpgradeRequest;
import dev.lockstep.planner.validation.GateReach;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The planner's preview, run inside the command: the preview request is read with the planner's own
 * readers ({@link PreviewBodies}, {@link ReleaseParser}), charts are rendered by the same Helm
 * engine, and {@link UpgradePlanner} makes the plan, so a release gets the same plan and the same
 * errors as from {@code POST /api/v1/plans/preview}. What only a running planner knows is absent:
 * the platform's inventory (give {@code --current}), its release history and its last applied
 * bundles, its allowed namespaces (give {@code --namespaces}) and what its gates may reach (give
 * {@code --gates}).
 */
final class OfflinePlanner {
  private OfflinePlanner() {}

  /**
   * What the planner's configuration would say.
   *
   * @param charts where charts ({@code helm.chart}) and manifests files are read from
   * @param namespaces the namespaces the platform allows; null for no check
   * @param gates what the platform's gates may reach; null for no check
   */
  record Settings(
      Path charts, @Nullable Set<String> namespaces, @Nullable GateReach.Policy gates) {}

  /**
   * What a platform's gates may reach, read from a file with the keys of the planner's {@code
   * lockstep.platforms.<id>.gates}: {@code http-hosts}, {@code secret-hosts}, {@code
   * prometheus-servers}, {@code datasources}.
   */
  static GateReach.Policy gates(JsonNode tree, String file) {
    if (tree == null || !tree.isObject()) {
      throw new CliException(ExitCodes.USAGE, file + " is not a map of gate settings", null);
    }
    for (java.util.Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!Set.of("http-hosts", "secret-hosts", "prometheus-servers", "datasources")
          .contains(field)) {
        throw new CliException(
            ExitCodes.USAGE,
            file
                + ": '"
                + field
                + "' is not a gate setting (http-hosts, secret-hosts, prometheus-servers,"
                + " datasources)",
            null);
      }
    }
    Map<String, List<String>> secretHosts = new java.util.HashMap<>();
    tree.path("secret-hosts")
        .fields()
        .forEachRemaining(e -> secretHosts.put(e.getKey(), texts(e.getValue())));
    return new GateReach.Policy(
        texts(tree.get("http-hosts")),
        secretHosts,
        Set.copyOf(texts(tree.get("prometheus-servers"))),
        Set.copyOf(texts(tree.get("datasources"))));
  }

  private static List<String> texts(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /** The plan of a preview request (JSON); a {@link CliException} with every problem otherwise. */
  static Plan plan(String body, Settings settings) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(body);
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "the preview request is not JSON", null);
    }
    List<ErrorDetail> errors = new ArrayList<>();
    JsonNode platformNode = tree.get("platform");
    String platform = platformNode != null && platformNode.isTextual() ? platformNode.asText() : "";
    if (platform.isBlank()) {
      errors.add(new ErrorDetail(Codes.INVALID_REQUEST, "platform", "platform is required"));
    }
    Window window = PreviewBodies.window(tree, errors);
    List<RunningComponent> current = PreviewBodies.current(tree, errors);
    JsonNode releaseNode = tree.get("release");
    if (releaseNode == null || releaseNode.isNull()) {
      errors.add(new ErrorDetail(Codes.INVALID_REQUEST, "release", "release is required"));
    }
    rejectOn(errors);
    ReleaseParser.Result parsed =
        ReleaseParser.parse(releaseNode, "release", ManifestFiles.under(settings.charts()));
    rejectOn(parsed.errors());
    BundleResolver bundles = new BundleResolver(new HelmChartRenderer(settings.charts()));
    UpgradeRequest request =
        new UpgradeRequest(
            "preview",
            platform,
            parsed.release(),
            current == null ? List.of() : current,
            null,
            window,
            settings.namespaces(),
            "release",
            bundles.resolve(parsed.release(), "release"),
            Map.of(),
            settings.gates());
    PlanningResult result = UpgradePlanner.plan(request, Clock.systemUTC());
    if (result instanceof PlanningResult.Rejected rejected) {
      rejectOn(rejected.errors());
    }
    return result.planOrThrow();
  }

  private static void rejectOn(List<ErrorDetail> errors) {
    if (!errors.isEmpty()) {
      throw new CliException(
          ExitCodes.REJECTED,
          "the planner's rules reject the release (planned offline)",
          "each path points into the request: release.spec... is the release file's spec",
          errors);
    }
  }
}
