package dev.lockstep.planner.planning;

import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.validation.GateReach;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an upgrade plan depends on: the release (with its bundles, charts rendered), what
 * runs, the bundles applied last, the window and the platform's allowed namespaces. Planning is a
 * pure function of this and a clock.
 *
 * @param upgradeId the upgrade's id
 * @param platform the platform
 * @param release the release to reach
 * @param current what runs now
 * @param fromRelease the release the platform runs, when known
 * @param window the maintenance window, if any
 * @param allowedNamespaces the namespaces the platform may touch; null for no restriction
 * @param base the path of the release in the request ({@code release}), for error paths
 * @param bundles the objects each bundle-delivered component of the release applies
 * @param applied per component, the objects of the bundle last applied to the platform (from the
 *     execution history), whose objects the new bundle lacks are deleted; absent when unknown
 * @param gateReach what the platform's gates may reach (hosts, secrets, Prometheus servers,
 *     datasources); null for no check
 */
public record UpgradeRequest(
    String upgradeId,
    String platform,
    Release release,
    List<RunningComponent> current,
    @Nullable String fromRelease,
    @Nullable Window window,
    @Nullable Set<String> allowedNamespaces,
    String base,
    Bundles bundles,
    Map<String, List<Map<String, Object>>> applied,
    @Nullable GateReach.Policy gateReach) {
  public UpgradeRequest {
    current = List.copyOf(current);
    allowedNamespaces = allowedNamespaces == null ? null : Set.copyOf(allowedNamespaces);
    bundles = bundles == null ? Bundles.inline(release, base) : bundles;
    applied = applied == null ? Map.of() : Map.copyOf(applied);
  }

  /** A request whose gates' reach is not checked. */
  public UpgradeRequest(
      String upgradeId,
      String platform,
      Release release,
      List<RunningComponent> current,
      @Nullable String fromRelease,
      @Nullable Window window,
      @Nullable Set<String> allowedNamespaces,
      String base,
      Bundles bundles,
      Map<String, List<Map<String, Object>>> applied) {
    this(
        upgradeId,
        platform,
        release,
        current,
        fromRelease,
        window,
        allowedNamespaces,
        base,
        bundles,
        applied,
        null);
  }

  /** A request whose charts are not rendered and whose earlier bundles are unknown. */
  public UpgradeRequest(
      String upgradeId,
      String platform,
      Release release,
      List<RunningComponent> current,
      @Nullable String fromRelease,
      @Nullable Window window,
      @Nullable Set<String> allowedNamespaces,
      String base) {
    this(
        upgradeId,
        platform,
        release,
        current,
        fromRelease,
        window,
        allowedNamespaces,
        base,
        null,
        null,
        null);
  }
}
