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
 * bundles, and its allowed namespaces (give {@code --namespaces}).
 */
final class OfflinePlanner {
  private OfflinePlanner() {}

  /**
   * What the planner's configuration would say.
   *
   * @param charts where charts ({@code helm.chart}) and manifests files are read from
   * @param namespaces the namespaces the platform allows; null for no check
   */
  record Settings(Path charts, @Nullable Set<String> namespaces) {}

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
            Map.of());
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
