package dev.lockstep.planner.rollback;

import static dev.lockstep.planner.TestingReleases.object;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.StepBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollback of bundles, charts and custom resources from the before-states the executor
 * recorded: every object that existed is put back from its recorded manifest (the ones the upgrade
 * replaced and the ones it deleted), every object the upgrade created is deleted, and a custom
 * resource gets back the fields the upgrade set and is waited on until its status is what it was.
 */
class DeliveryRollbackPlanningTest {
  private static final CustomResource FORWARD =
      new CustomResource(
          "rok.example.com/v1",
          "RokCluster",
          "rok",
          "main",
          Map.of("spec.version", "1.1.0"),
          Map.of("status.version", "1.1.0", "status.health", "OK"),
          "5m");

  /** A manifest as the executor reads it from the cluster: with the fields the server owns. */
  private static Map<String, Object> live(
      String apiVersion, String kind, String name, Map<String, Object> body) {
    Map<String, Object> object = new LinkedHashMap<>(object(apiVersion, kind, "rok", name, body));
    Map<String, Object> metadata = new LinkedHashMap<>(cast(object.get("metadata")));
    metadata.put("resourceVersion", "41");
    metadata.put("uid", "uid-" + name);
    metadata.put("creationTimestamp", "2026-11-01T00:00:00Z");
    object.put("metadata", metadata);
    object.put("status", Map.of("observedGeneration", 3));
    return object;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object value) {
    return (Map<String, Object>) value;
  }

  private static ObjectState existed(Map<String, Object> manifest) {
    Map<String, Object> metadata = cast(manifest.get("metadata"));
    return new ObjectState(
        (String) manifest.get("apiVersion"),
        (String) manifest.get("kind"),
        (String) metadata.get("namespace"),
        (String) metadata.get("name"),
        true,
        (String) metadata.get("resourceVersion"),
        null,
        null,
        "1.0.0",
        null,
        manifest);
  }

  private static ObjectState created(String apiVersion, String kind, String name) {
    return new ObjectState(
        apiVersion, kind, "rok", name, false, null, null, null, null, null, null);
  }

  private static StepOutcome outcome(
      String step, String component, StepAction action, String from, ObjectState... before) {
    return new StepOutcome(step, component, action, from, "1.1.0", List.of(before), null);
  }

  private static RollbackRequest request(
      List<StepOutcome> history, List<RunningComponent> now, Map<String, PlanStep> deliveries) {
    return new RollbackRequest(
        "rb-1",
        "u-1",
        "p-1",
        history,
        now,
        TestingReleases.LAYERS,
        Map.of(),
        Map.of(),
        Map.of(),
        "1.1.0",
        "1.0.0",
        List.of(),
        deliveries);
  }

  private static List<PlanStep> stepsOf(Plan plan, String component) {
    return plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(s -> s.component().equals(component))
        .toList();
  }

  private static Map<String, Object> stripped(Map<String, Object> live) {
    Map<String, Object> object = new LinkedHashMap<>(live);
    object.remove("status");
    Map<String, Object> metadata = new LinkedHashMap<>(cast(live.get("metadata")));
    metadata.keySet().removeAll(List.of("resourceVersion", "uid", "creationTimestamp"));
    object.put("metadata", metadata);
    return object;
  }

  @Test
  void aBundleAndAChartAreRolledBackToEveryRecordedBeforeState() {
    Map<String, Object> config =
        live("v1", "ConfigMap", "rok-config", Map.of("data", Map.of("mode", "v1")));
    Map<String, Object> legacy =
        live("v1", "ConfigMap", "rok-legacy", Map.of("data", Map.of("mode", "legacy")));
    Map<String, Object> api =
        live(
            "apps/v1",
            "Deployment",
            "rok-api",
            Map.of("spec", Map.of("replicas", 2, "image", "registry.example.com/rok-api:1.0.0")));
    List<StepOutcome> history =
        List.of(
            outcome(
                "s-0-1",
                "rok-operator",
                StepAction.APPLY,
                "1.0.0",
                existed(config),
                created("v1", "ServiceAccount", "rok-new"),
                existed(legacy)),
            outcome(
                "s-1-1",
                "rok-api",
                StepAction.APPLY,
                "1.0.0",
                existed(api),
                created("v1", "Service", "rok-api-metrics")));
    List<RunningComponent> now =
        List.of(
            running("rok-operator", "core-kernel", "1.1.0", Map.of()),
            running("rok-api", "user-space", "1.1.0", Map.of()));

    Plan plan = RollbackPlanner.plan(request(history, now, Map.of())).planOrThrow();

    PlanStep operator = stepsOf(plan, "rok-operator").get(0);
    assertThat(stepsOf(plan, "rok-operator")).hasSize(1);
    assertThat(operator.action()).isEqualTo(StepAction.APPLY);
    assertThat(operator.from()).isEqualTo("1.1.0");
    assertThat(operator.to()).isEqualTo("1.0.0");
    assertThat(operator.objects()).containsExactly(stripped(config), stripped(legacy));
    assertThat(operator.targets())
        .containsExactly(new ObjectRef("v1", "ServiceAccount", "rok", "rok-new"));
    assertThat(operator.restore())
        .containsExactly(
            existed(config), created("v1", "ServiceAccount", "rok-new"), existed(legacy));

    PlanStep chart = stepsOf(plan, "rok-api").get(0);
    assertThat(chart.action()).isEqualTo(StepAction.APPLY);
    assertThat(chart.objects()).containsExactly(stripped(api));
    assertThat(chart.targets())
        .containsExactly(new ObjectRef("v1", "Service", "rok", "rok-api-metrics"));
    assertThat(plan.waves().get(0).layer()).isEqualTo("user-space");
  }

  @Test
  void aCustomResourceGetsBackTheFieldsTheUpgradeSetAndIsWaitedOnUntilItsStatusIsBack() {
    Map<String, Object> cluster =
        new LinkedHashMap<>(
            live(
                "rok.example.com/v1",
                "RokCluster",
                "main",
                Map.of("spec", Map.of("version", "1.0.0", "size", 3))));
    cluster.put("status", Map.of("version", "1.0.0", "health", "OK", "nodes", 3));
    PlanStep forward =
        new StepBuilder("s-1-1", "rok-cluster", StepAction.PATCH_RESOURCE, "1.0.0", "1.1.0")
            .customResource(FORWARD)
            .build();
    List<StepOutcome> history =
        List.of(
            outcome("s-1-1", "rok-cluster", StepAction.PATCH_RESOURCE, "1.0.0", existed(cluster)));

    Plan plan =
        RollbackPlanner.plan(
                request(
                    history,
                    List.of(running("rok-cluster", "user-space", "1.1.0", Map.of())),
                    Map.of("rok-cluster", forward)))
            .planOrThrow();

    PlanStep back = stepsOf(plan, "rok-cluster").get(0);
    assertThat(back.action()).isEqualTo(StepAction.PATCH_RESOURCE);
    assertThat(back.to()).isEqualTo("1.0.0");
    assertThat(back.customResource())
        .isEqualTo(
            new CustomResource(
                "rok.example.com/v1",
                "RokCluster",
                "rok",
                "main",
                Map.of("spec.version", "1.0.0"),
                Map.of("status.version", "1.0.0", "status.health", "OK"),
                "5m"));
    assertThat(back.restore()).containsExactly(existed(cluster));

    CustomResource withAddedField =
        RollbackPlanner.patchBack(
            List.of(existed(cluster)),
            new StepBuilder("s-1-1", "rok-cluster", StepAction.PATCH_RESOURCE, "1.0.0", "1.1.0")
                .customResource(
                    new CustomResource(
                        "rok.example.com/v1",
                        "RokCluster",
                        "rok",
                        "main",
                        Map.of("spec.version", "1.1.0", "spec.tuning.level", "high"),
                        Map.of(),
                        null))
                .build());
    assertThat(withAddedField.set())
        .as("a field that did not exist is removed by setting back its recorded parent")
        .isEqualTo(Map.of("spec", Map.of("version", "1.0.0", "size", 3)));
    assertThat(RollbackPlanner.patchBack(List.of(existed(cluster)), null).set())
        .as("without the upgrade's step, the whole recorded spec is set back")
        .isEqualTo(Map.of("spec", Map.of("version", "1.0.0", "size", 3)));
  }

  @Test
  void aBundleTheUpgradeInstalledIsRemovedAndTheObjectsItReplacedArePutBack() {
    Map<String, Object> shared =
        live("v1", "ConfigMap", "rok-shared", Map.of("data", Map.of("owner", "platform")));
    PlanStep forward =
        new StepBuilder("s-0-1", "rok-extras", StepAction.APPLY, null, "1.1.0")
            .objects(
                List.of(
                    object("v1", "ConfigMap", "rok", "rok-extras", Map.of()),
                    object("v1", "ConfigMap", "rok", "rok-shared", Map.of())))
            .build();
    List<StepOutcome> history =
        List.of(
            outcome(
                "s-0-1",
                "rok-extras",
                StepAction.APPLY,
                null,
                created("v1", "ConfigMap", "rok-extras"),
                existed(shared)),
            outcome("s-0-2", "rok-addons", StepAction.APPLY, null));

    Plan plan =
        RollbackPlanner.plan(
                request(
                    history,
                    List.of(
                        running("rok-extras", "core-kernel", "1.1.0", Map.of()),
                        running("rok-addons", "core-kernel", "1.1.0", Map.of())),
                    Map.of(
                        "rok-extras",
                        forward,
                        "rok-addons",
                        new StepBuilder("s-0-2", "rok-addons", StepAction.APPLY, null, "1.1.0")
                            .objects(List.of(object("v1", "Secret", "rok", "rok-addons", Map.of())))
                            .build())))
            .planOrThrow();

    List<PlanStep> extras = stepsOf(plan, "rok-extras");
    assertThat(extras)
        .extracting(PlanStep::action)
        .containsExactly(StepAction.REMOVE, StepAction.APPLY);
    assertThat(extras.get(0).targets())
        .containsExactly(new ObjectRef("v1", "ConfigMap", "rok", "rok-extras"));
    assertThat(extras.get(0).restore()).containsExactly(created("v1", "ConfigMap", "rok-extras"));
    assertThat(extras.get(1).to()).isNull();
    assertThat(extras.get(1).objects()).containsExactly(stripped(shared));
    assertThat(extras.get(1).targets()).isEmpty();
    assertThat(extras.get(1).restore()).containsExactly(existed(shared));

    List<PlanStep> addons = stepsOf(plan, "rok-addons");
    assertThat(addons).extracting(PlanStep::action).containsExactly(StepAction.REMOVE);
    assertThat(addons.get(0).targets())
        .as("with no before-state recorded, the bundle the plan applied is removed")
        .containsExactly(new ObjectRef("v1", "Secret", "rok", "rok-addons"));
    assertThat(plan.versions())
        .contains(new VersionChange("rok-extras", "core-kernel", "1.1.0", null));
  }
}
