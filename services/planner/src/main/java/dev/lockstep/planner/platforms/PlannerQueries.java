package dev.lockstep.planner.platforms;

import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.Semver;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.planning.UpgradeRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The read side of the planner, for the HTTP API: views of a platform, its upgrades and the
 * catalogue, and the requests a preview, an accepted submission or the available upgrades are
 * planned from. Each reads the state the decisions of {@link PlannerCore} keep, consistently, and
 * changes nothing; a release's charts are rendered ({@link ReleaseRendering}) before the state is
 * read, so a query never holds the decisions up while Helm runs.
 */
public final class PlannerQueries {
  private final PlannerCore core;
  private final PlatformPolicy policy;
  private final Clock clock;
  private final ReleaseRendering rendering;
  private final Runnable freshness;

  /** The queries over the state of a core. */
  PlannerQueries(PlannerCore core, PlatformPolicy policy, Clock clock, ReleaseRendering rendering) {
    this(core, policy, clock, rendering, () -> {});
  }

  private PlannerQueries(
      PlannerCore core,
      PlatformPolicy policy,
      Clock clock,
      ReleaseRendering rendering,
      Runnable freshness) {
    this.core = core;
    this.policy = policy;
    this.clock = clock;
    this.rendering = rendering;
    this.freshness = freshness;
  }

  /**
   * The same queries, each of which first runs {@code freshness} (which waits until the state holds
   * what the topics held when the query began).
   */
  public PlannerQueries withFreshness(Runnable freshness) {
    return new PlannerQueries(core, policy, clock, rendering, freshness);
  }

  /** The platform policy. */
  public PlatformPolicy policy() {
    return policy;
  }

  /** A consistent view of a platform. */
  public PlatformView platform(String platform) {
    freshness.run();
    return core.read(
        state ->
            new PlatformView(
                platform,
                state.platformRelease(platform).orElse(null),
                state.inventory(platform),
                state.active(platform).map(PlatformView.UpgradeSummary::of).orElse(null),
                state.queue(platform).stream().map(PlatformView.UpgradeSummary::of).toList()));
  }

  /** What the executor last observed on a platform: its components with their workloads. */
  public Optional<dev.lockstep.events.v1.InventoryObserved> observedInventory(String platform) {
    freshness.run();
    return core.read(state -> state.lastObserved(platform));
  }

  /** An upgrade by id. */
  public Optional<PlatformView.UpgradeSummary> upgrade(String id) {
    freshness.run();
    return core.read(
        state ->
            state.upgrade(id).filter(u -> u.platform != null).map(PlatformView.UpgradeSummary::of));
  }

  /**
   * The request an upgrade was made from (its release, or a reference to the catalogue), if this
   * planner saw it.
   */
  public Optional<dev.lockstep.events.v1.UpgradeRequested> request(String id) {
    freshness.run();
    return core.read(state -> state.upgrade(id).map(u -> u.request));
  }

  /** The releases in the catalogue. */
  public List<Release> releases() {
    freshness.run();
    return core.read(PlannerState::releases);
  }

  /**
   * A plan for {@code platform} with its expected duration from how long the platform's earlier
   * steps took, as the plan made when the request's turn comes will have it.
   */
  public dev.lockstep.events.v1.Plan withLearnedDuration(
      String platform, dev.lockstep.events.v1.Plan plan) {
    return core.read(
        state ->
            plan.withExpectedDuration(
                dev.lockstep.planner.planning.ExpectedDuration.of(
                    plan, state.typicalSteps(platform))));
  }

  /** The inventory of a platform (or {@code current}) and what a plan is made against. */
  public UpgradeRequest previewRequest(
      String platform, Release release, List<RunningComponent> current, Window window) {
    freshness.run();
    Bundles rendered = rendering.render(release);
    return core.read(
        state ->
            new UpgradeRequest(
                "preview",
                platform,
                release,
                current != null ? current : state.inventory(platform),
                state.platformRelease(platform).orElse(null),
                // as the plan will be: without a window of its own, the platform's next one
                window != null ? window : policy.nextWindow(platform, clock.instant()).orElse(null),
                policy.namespaces(platform).orElse(Set.of()),
                "release",
                rendered,
                state.appliedBundles(platform),
                policy.gateReach(platform)));
  }

  /**
   * What a request is checked against when it is accepted: nothing runs yet (its plan is made when
   * its turn comes), but its charts are rendered and its bundles checked against the platform.
   */
  public UpgradeRequest checkRequest(String platform, Release release, Window window) {
    freshness.run();
    Bundles rendered = rendering.render(release);
    return core.read(
        state ->
            new UpgradeRequest(
                "check",
                platform,
                release,
                List.of(),
                null,
                window,
                policy.namespaces(platform).orElse(Set.of()),
                "release",
                rendered,
                state.appliedBundles(platform),
                policy.gateReach(platform)));
  }

  /** Newer catalogued releases that a plan from the current inventory can reach. */
  public List<Release> availableUpgrades(String platform) {
    freshness.run();
    String running = core.read(state -> state.platformRelease(platform).orElse(null));
    List<Release> available = new ArrayList<>();
    for (Release r : core.read(PlannerState::releases)) {
      if (running != null
          && !Semver.version(r.metadata().version())
              .map(v -> Semver.version(running).map(v::isGreaterThan).orElse(true))
              .orElse(false)) {
        continue;
      }
      Bundles rendered = rendering.render(r);
      UpgradeRequest req =
          core.read(
              state ->
                  new UpgradeRequest(
                      "available",
                      platform,
                      r,
                      state.inventory(platform),
                      running,
                      null,
                      policy.namespaces(platform).orElse(Set.of()),
                      "release",
                      rendered,
                      state.appliedBundles(platform),
                      policy.gateReach(platform)));
      if (UpgradePlanner.plan(req, clock) instanceof PlanningResult.Planned) {
        available.add(r);
      }
    }
    return available;
  }
}
