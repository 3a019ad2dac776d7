package dev.lockstep.executor;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds plans for tests, the way the planner would: the tests play the planner. */
public final class TestingPlans {
  private TestingPlans() {}

  /** A gate that the testing validator answers. */
  public static PlannedGate gate(String name) {
    Gate spec =
        new Gate(
            name,
            null,
            new Gate.HttpCheck("http://example.invalid/" + name, null, 200, null, null, null, null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    return new PlannedGate(name, "http", null, spec);
  }

  /** A set-image step. */
  /** An approval gate of the release, waiting at most {@code timeout} (null: the default). */
  public static PlannedGate approvalGate(String name, String timeout) {
    Gate spec =
        new Gate(
            name,
            null,
            null,
            null,
            null,
            new Gate.ApprovalCheck("sign off " + name + "?"),
            null,
            null,
            null,
            null,
            null,
            timeout);
    return new PlannedGate(name, "approval", null, spec);
  }

  public static PlanStep setImage(
      String id, String component, WorkloadRef workload, String image, String from, String to) {
    return new PlanStep(
        id,
        component,
        StepAction.SET_IMAGE,
        from,
        to,
        workload,
        image,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A drain step. */
  public static PlanStep drain(String id, String component, List<ObjectRef> targets) {
    return quietDrain(id, component, targets, null);
  }

  /**
   * A drain step that then waits until the listed components' logs are quiet (null: it does not).
   */
  public static PlanStep quietDrain(
      String id, String component, List<ObjectRef> targets, QuietWait quiet) {
    return new PlanStep(
        id,
        component,
        StepAction.DRAIN,
        null,
        null,
        null,
        null,
        targets,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        quiet);
  }

  /** A restore-replicas step that puts back what the drain took. */
  public static PlanStep restoreReplicas(String id, String component, List<ObjectRef> targets) {
    return new PlanStep(
        id,
        component,
        StepAction.RESTORE_REPLICAS,
        null,
        null,
        null,
        null,
        targets,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A remove step that deletes its targets (a component absent from the release). */
  public static PlanStep remove(String id, String component, String from, List<ObjectRef> targets) {
    return new PlanStep(
        id,
        component,
        StepAction.REMOVE,
        from,
        null,
        null,
        null,
        targets,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A rollback's remove step: deletes the objects the upgrade created ({@code exists: false}). */
  public static PlanStep removeCreated(String id, String component, List<ObjectState> created) {
    return new PlanStep(
        id,
        component,
        StepAction.REMOVE,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        created,
        null);
  }

  /** A rollback's restore-snapshot step: the workload's claims re-created from the snapshots. */
  public static PlanStep restoreSnapshot(
      String id, String component, WorkloadRef workload, String snapshot) {
    return new PlanStep(
        id,
        component,
        StepAction.RESTORE_SNAPSHOT,
        null,
        null,
        workload,
        null,
        null,
        null,
        null,
        snapshot,
        null,
        null,
        null,
        null);
  }

  /** An apply step: the bundle's objects created or replaced, the dropped ones deleted. */
  public static PlanStep apply(
      String id,
      String component,
      String from,
      String to,
      List<Map<String, Object>> objects,
      List<ObjectRef> dropped) {
    return new PlanStep(
        id,
        component,
        StepAction.APPLY,
        from,
        to,
        null,
        null,
        dropped,
        null,
        null,
        null,
        objects,
        null,
        null,
        null);
  }

  /** A patch-resource step. */
  public static PlanStep patchResource(
      String id, String component, String from, String to, CustomResource resource) {
    return new PlanStep(
        id,
        component,
        StepAction.PATCH_RESOURCE,
        from,
        to,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        resource,
        null,
        null);
  }

  /** A RokCluster patched to a version and waited on until its operator reports it. */
  public static CustomResource rokCluster(
      String namespace, String name, String version, String timeout) {
    return new CustomResource(
        "data.example.com/v1",
        "RokCluster",
        namespace,
        name,
        Map.of("spec.version", version),
        Map.of("status.version", version, "status.health", "OK"),
        timeout);
  }

  /** A ConfigMap as a bundle carries it. */
  public static Map<String, Object> configMap(
      String namespace, String name, Map<String, String> data) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", "v1");
    object.put("kind", "ConfigMap");
    object.put("metadata", metadata(namespace, name, Map.of("app", name)));
    object.put("data", new LinkedHashMap<>(data));
    return object;
  }

  /** A Service as a bundle carries it. */
  public static Map<String, Object> service(String namespace, String name, int port) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", "v1");
    object.put("kind", "Service");
    object.put("metadata", metadata(namespace, name, Map.of("app", name)));
    object.put(
        "spec",
        new LinkedHashMap<>(
            Map.of(
                "selector",
                Map.of("app", name),
                "ports",
                List.of(Map.of("name", "http", "port", port)))));
    return object;
  }

  /** A Deployment with one container named after it, as a bundle carries it. */
  public static Map<String, Object> deployment(
      String namespace, String name, String image, int replicas) {
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", name);
    container.put("image", image);
    Map<String, Object> template = new LinkedHashMap<>();
    template.put("metadata", Map.of("labels", Map.of("app", name)));
    template.put("spec", Map.of("containers", List.of(container)));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("replicas", replicas);
    spec.put("selector", Map.of("matchLabels", Map.of("app", name)));
    spec.put("template", template);
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", "apps/v1");
    object.put("kind", "Deployment");
    object.put("metadata", metadata(namespace, name, Map.of("app", name)));
    object.put("spec", spec);
    return object;
  }

  private static Map<String, Object> metadata(
      String namespace, String name, Map<String, String> labels) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    metadata.put("namespace", namespace);
    metadata.put("labels", new LinkedHashMap<>(labels));
    return metadata;
  }

  /** A migrate step. */
  public static PlanStep migrate(String id, String component, WorkloadRef workload, String image) {
    return new PlanStep(
        id,
        component,
        StepAction.MIGRATE,
        null,
        null,
        workload,
        null,
        null,
        new Migration(image, List.of("--up"), "1m"),
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A backup step. */
  public static PlanStep backup(String id, String component, WorkloadRef workload) {
    return new PlanStep(
        id,
        component,
        StepAction.BACKUP,
        null,
        null,
        workload,
        null,
        null,
        null,
        new Backup("csi-snapclass"),
        null,
        null,
        null,
        null,
        null);
  }

  /** An approval step. */
  public static PlanStep approve(String id, String component) {
    return new PlanStep(
        id,
        component,
        StepAction.APPROVE,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        "roll " + component + " back across a major version?");
  }

  /** The step with the retries its component's manifest gives it. */
  public static PlanStep withRetries(PlanStep s, int retries) {
    return new PlanStep(
        s.id(),
        s.component(),
        s.action(),
        s.from(),
        s.to(),
        s.workload(),
        s.image(),
        s.targets(),
        s.migration(),
        s.backup(),
        s.snapshot(),
        s.objects(),
        s.customResource(),
        s.restore(),
        s.message(),
        retries,
        s.quiet());
  }

  /** A plan of the given waves. */
  public static Plan plan(
      String upgradeId, String platform, PlanMode mode, String rollbackOf, List<Wave> waves) {
    return new Plan(
        upgradeId,
        platform,
        mode,
        "1.0.0",
        "2.0.0",
        List.of(new VersionChange("any", "core", "1.0.0", "2.0.0")),
        waves,
        new Risk(10, List.of()),
        Duration.ofMinutes(1),
        null,
        rollbackOf,
        null);
  }

  /**
   * The rollback plan a planner makes from an {@code upgrade.failed} history: one wave, the changes
   * undone in reverse order (set-image back to the before-state, replicas restored, the snapshot
   * restored, created objects removed).
   */
  public static Plan rollbackOf(
      String rollbackId, String upgradeId, String platform, List<StepOutcome> history) {
    return rollbackOf(rollbackId, upgradeId, platform, history, Map.of());
  }

  /**
   * Like {@link #rollbackOf(String, String, String, List)}; a bundle is put back from its recorded
   * manifests, a custom resource gets its recorded spec back and, where {@code waitFor} names its
   * component, is waited on until its status reports the old version.
   */
  public static Plan rollbackOf(
      String rollbackId,
      String upgradeId,
      String platform,
      List<StepOutcome> history,
      Map<String, CustomResource> waitFor) {
    List<PlanStep> steps = new ArrayList<>();
    List<StepOutcome> reversed = new ArrayList<>(history);
    java.util.Collections.reverse(reversed);
    int n = 0;
    for (StepOutcome outcome : reversed) {
      String id = "r-0-" + ++n;
      switch (outcome.action()) {
        case SET_IMAGE -> {
          ObjectState before = outcome.before().get(0);
          steps.add(
              new PlanStep(
                  id,
                  outcome.component(),
                  StepAction.SET_IMAGE,
                  outcome.to(),
                  outcome.from(),
                  new WorkloadRef(before.kind(), before.namespace(), before.name(), null),
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  outcome.before(),
                  null));
        }
        case DRAIN ->
            steps.add(
                new PlanStep(
                    id,
                    outcome.component(),
                    StepAction.RESTORE_REPLICAS,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    outcome.before(),
                    null));
        case MIGRATE ->
            steps.add(
                new PlanStep(
                    id,
                    outcome.component(),
                    StepAction.REMOVE,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    outcome.before(),
                    null));
        case APPLY ->
            steps.add(
                new PlanStep(
                    id,
                    outcome.component(),
                    StepAction.APPLY,
                    outcome.to(),
                    outcome.from(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    outcome.before(),
                    null));
        case PATCH_RESOURCE ->
            steps.add(
                new PlanStep(
                    id,
                    outcome.component(),
                    StepAction.PATCH_RESOURCE,
                    outcome.to(),
                    outcome.from(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    waitFor.get(outcome.component()),
                    outcome.before(),
                    null));
        case BACKUP -> {
          // restored below, after the workload is back
        }
        default -> {
          // not produced by these tests
        }
      }
    }
    for (StepOutcome outcome : history) {
      if (outcome.action() == StepAction.BACKUP && outcome.snapshot() != null) {
        ObjectState workload =
            history.stream()
                .filter(o -> o.component().equals(outcome.component()))
                .filter(o -> o.action() == StepAction.SET_IMAGE)
                .map(o -> o.before().get(0))
                .findFirst()
                .orElseThrow();
        steps.add(
            new PlanStep(
                "r-0-" + ++n,
                outcome.component(),
                StepAction.RESTORE_SNAPSHOT,
                null,
                null,
                new WorkloadRef(workload.kind(), workload.namespace(), workload.name(), null),
                null,
                null,
                null,
                null,
                outcome.snapshot(),
                null,
                null,
                null,
                null));
      }
    }
    return plan(
        rollbackId,
        platform,
        PlanMode.ROLLBACK,
        upgradeId,
        List.of(new Wave(0, "all", steps, List.of())));
  }

  /** The plan with the given maintenance window. */
  public static Plan withWindow(Plan plan, Window window) {
    return new Plan(
        plan.upgradeId(),
        plan.platform(),
        plan.mode(),
        plan.fromRelease(),
        plan.toRelease(),
        plan.versions(),
        plan.waves(),
        plan.risk(),
        plan.expectedDowntime(),
        window,
        plan.rollbackOf(),
        plan.releaseNotes(),
        plan.expectedDuration());
  }
}
