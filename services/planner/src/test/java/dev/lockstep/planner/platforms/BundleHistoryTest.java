package dev.lockstep.planner.platforms;

import static dev.lockstep.planner.TestingReleases.customResource;
import static dev.lockstep.planner.TestingReleases.helm;
import static dev.lockstep.planner.TestingReleases.manifests;
import static dev.lockstep.planner.TestingReleases.object;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The planner learns from the execution history which bundle each component applied last: the next
 * upgrade deletes what its bundle drops, a state rebuilt from the events knows the same, and the
 * automatic rollback of a failed upgrade puts back every recorded before-state, the custom resource
 * with the fields the failed plan set.
 */
class BundleHistoryTest {
  private static final String P = "p-bundles";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T01:00:00Z"), ZoneOffset.UTC);
  private static final BundleResolver HELM =
      new BundleResolver(new HelmChartRenderer(Path.of("src/test/resources/charts")));
  private static final PlatformPolicy POLICY = PlatformPolicy.of(Map.of(P, List.of("rok", "core")));

  private static final Map<String, Object> ACCOUNT =
      object("v1", "ServiceAccount", "rok", "rok-operator", Map.of());
  private static final Map<String, Object> LEGACY =
      object("v1", "ConfigMap", "rok", "rok-legacy", Map.of("data", Map.of("mode", "legacy")));
  private static final Map<String, Object> CLUSTER =
      object(
          "rok.example.com/v1",
          "RokCluster",
          "rok",
          "main",
          Map.of(
              "spec",
              Map.of("version", "1.0.0"),
              "status",
              Map.of("version", "1.0.0", "health", "OK")));

  private final PlannerCore core = new PlannerCore(POLICY, CLOCK, HELM);
  private final List<EventEnvelope> log = new ArrayList<>();

  /** The executor has looked at the platform (nothing runs there) before any request comes. */
  @BeforeEach
  void nothingRunsYet() {
    send(TestingReleases.nothingRunning(P, CLOCK.instant()));
  }

  private static Release rok(String version, Map<String, Object>... bundle) {
    return release(
        version,
        List.of(),
        manifests("rok-operator", "core-kernel", version, bundle),
        helm(
            "rok-api",
            "user-space",
            version,
            "rok-api",
            "1.2.0",
            "rok",
            Map.of("image", Map.of("tag", version))),
        customResource(
            "rok-cluster",
            "user-space",
            version,
            new CustomResource(
                "rok.example.com/v1",
                "RokCluster",
                "rok",
                "main",
                Map.of("spec.version", version),
                Map.of("status.version", version, "status.health", "OK"),
                "5m")));
  }

  private List<EventEnvelope> send(EventPayload payload) {
    EventEnvelope in =
        EventEnvelope.create(EventCatalog.standard(), "test", P, null, payload, null, CLOCK);
    log.add(in);
    List<EventEnvelope> out = core.handle(in);
    log.addAll(out);
    return out;
  }

  private static Plan planOf(List<EventEnvelope> out) {
    return out.stream()
        .filter(e -> e.data() instanceof PlanCreated)
        .map(e -> ((PlanCreated) e.data()).plan())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no plan in " + out));
  }

  private static PlanStep step(Plan plan, String component) {
    return plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(s -> s.component().equals(component))
        .findFirst()
        .orElseThrow();
  }

  private static ObjectState existed(Map<String, Object> manifest) {
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) manifest.get("metadata");
    return new ObjectState(
        (String) manifest.get("apiVersion"),
        (String) manifest.get("kind"),
        (String) metadata.get("namespace"),
        (String) metadata.get("name"),
        true,
        "7",
        null,
        null,
        null,
        null,
        manifest);
  }

  /** What the executor reports for a step, with the before-states it read. */
  private StepSucceeded succeeded(String upgradeId, PlanStep step, List<ObjectState> before) {
    return new StepSucceeded(
        upgradeId,
        step.id(),
        0,
        step.component(),
        step.action(),
        step.from(),
        step.to(),
        before,
        null);
  }

  @Test
  void theNextBundleDeletesWhatItDropsAndAFailedOneIsRolledBackToEveryBeforeState() {
    Plan first =
        planOf(
            send(
                new UpgradeRequested(
                    "u-1", P, rok("1.0.0", ACCOUNT, LEGACY), null, "alice", null, null)));
    assertThat(step(first, "rok-operator").objects()).containsExactly(ACCOUNT, LEGACY);
    assertThat(step(first, "rok-operator").targets()).isEmpty();
    for (String component : List.of("rok-operator", "rok-api", "rok-cluster")) {
      send(succeeded("u-1", step(first, component), List.of()));
    }
    send(new UpgradeCompleted("u-1", P, List.of()));

    Plan second =
        planOf(
            send(new UpgradeRequested("u-2", P, rok("1.1.0", ACCOUNT), null, "alice", null, null)));

    PlanStep operator = step(second, "rok-operator");
    assertThat(operator.objects()).containsExactly(ACCOUNT);
    assertThat(operator.targets())
        .containsExactly(new ObjectRef("v1", "ConfigMap", "rok", "rok-legacy"));
    assertThat(step(second, "rok-api").targets()).isEmpty();

    PlannerCore rebuilt = new PlannerCore(POLICY, CLOCK, HELM);
    log.forEach(rebuilt::fold);
    assertThat(rebuilt.previewRequest(P, rok("1.1.0", ACCOUNT), null, null).applied())
        .containsOnlyKeys("rok-operator", "rok-api")
        .containsEntry("rok-operator", List.of(ACCOUNT, LEGACY));

    StepSucceeded applied = succeeded("u-2", operator, List.of(existed(ACCOUNT), existed(LEGACY)));
    StepSucceeded patched =
        succeeded("u-2", step(second, "rok-cluster"), List.of(existed(CLUSTER)));
    send(applied);
    send(patched);
    Plan rollback =
        planOf(
            send(
                new UpgradeFailed(
                    "u-2",
                    P,
                    "gate rok-health failed",
                    null,
                    "rok-health",
                    false,
                    List.of(
                        new StepOutcome(
                            applied.stepId(),
                            "rok-operator",
                            StepAction.APPLY,
                            "1.0.0",
                            "1.1.0",
                            applied.before(),
                            null),
                        new StepOutcome(
                            patched.stepId(),
                            "rok-cluster",
                            StepAction.PATCH_RESOURCE,
                            "1.0.0",
                            "1.1.0",
                            patched.before(),
                            null)))));

    assertThat(rollback.rollbackOf()).isEqualTo("u-2");
    PlanStep putBack = step(rollback, "rok-operator");
    assertThat(putBack.action()).isEqualTo(StepAction.APPLY);
    assertThat(putBack.objects())
        .as("the deleted ConfigMap comes back")
        .containsExactly(ACCOUNT, LEGACY);
    assertThat(putBack.restore()).containsExactly(existed(ACCOUNT), existed(LEGACY));
    PlanStep patchBack = step(rollback, "rok-cluster");
    assertThat(patchBack.action()).isEqualTo(StepAction.PATCH_RESOURCE);
    assertThat(patchBack.customResource().set()).isEqualTo(Map.of("spec.version", "1.0.0"));
    assertThat(patchBack.customResource().readyWhen())
        .isEqualTo(Map.of("status.version", "1.0.0", "status.health", "OK"));
    assertThat(patchBack.customResource().timeout()).isEqualTo("5m");
  }
}
