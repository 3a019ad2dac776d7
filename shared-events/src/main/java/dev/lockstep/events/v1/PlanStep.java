package dev.lockstep.events.v1;

import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * One step of a plan. Besides the fields DESIGN section 9 shows ({@code id}, {@code component},
 * {@code action}, {@code from}, {@code to}), it carries everything the executor needs, so that a
 * plan is self-contained and a replay sees exactly what was applied.
 *
 * @param id unique in the plan ({@code s-<wave>-<n>})
 * @param component the component it belongs to
 * @param action what it does
 * @param from the component's version before; null for a new component
 * @param to the component's version after; null for a removed component
 * @param workload the workload changed (set-image, backup, restore-snapshot, remove)
 * @param image the image set (set-image)
 * @param targets the objects acted on (drain, restore-replicas, remove)
 * @param migration the Job to run (migrate)
 * @param backup the snapshot settings (backup)
 * @param snapshot the snapshot to restore from (restore-snapshot)
 * @param objects the bundle or rendered chart to apply (apply)
 * @param customResource the resource and patch (patch-resource)
 * @param restore the recorded before-states to put back (rollback steps)
 * @param retries how many times the executor runs the step again when it fails before the upgrade
 *     fails (the component's {@code retries} in the manifest); null or 0: never (added in {@code
 *     plan.created} v2)
 * @param quiet a drain's wait until listed components' logs fall silent (the component's {@code
 *     quiet} in the manifest); null: the drain waits only for its pods to go (added in {@code
 *     plan.created} v2)
 * @param message what an approver is asked (approve)
 */
public record PlanStep(
    String id,
    String component,
    StepAction action,
    @Nullable String from,
    @Nullable String to,
    @Nullable WorkloadRef workload,
    @Nullable String image,
    @Nullable List<ObjectRef> targets,
    @Nullable Migration migration,
    @Nullable Backup backup,
    @Nullable String snapshot,
    @Nullable List<Map<String, Object>> objects,
    @Nullable CustomResource customResource,
    @Nullable List<ObjectState> restore,
    @Nullable String message,
    @Nullable Integer retries,
    @Nullable QuietWait quiet) {

  /** A step that waits for no quiet beyond its drained pods being gone. */
  public PlanStep(
      String id,
      String component,
      StepAction action,
      @Nullable String from,
      @Nullable String to,
      @Nullable WorkloadRef workload,
      @Nullable String image,
      @Nullable List<ObjectRef> targets,
      @Nullable Migration migration,
      @Nullable Backup backup,
      @Nullable String snapshot,
      @Nullable List<Map<String, Object>> objects,
      @Nullable CustomResource customResource,
      @Nullable List<ObjectState> restore,
      @Nullable String message,
      @Nullable Integer retries) {
    this(
        id,
        component,
        action,
        from,
        to,
        workload,
        image,
        targets,
        migration,
        backup,
        snapshot,
        objects,
        customResource,
        restore,
        message,
        retries,
        null);
  }

  /** A step that is never retried (a plan of {@code plan.created} v1). */
  public PlanStep(
      String id,
      String component,
      StepAction action,
      @Nullable String from,
      @Nullable String to,
      @Nullable WorkloadRef workload,
      @Nullable String image,
      @Nullable List<ObjectRef> targets,
      @Nullable Migration migration,
      @Nullable Backup backup,
      @Nullable String snapshot,
      @Nullable List<Map<String, Object>> objects,
      @Nullable CustomResource customResource,
      @Nullable List<ObjectState> restore,
      @Nullable String message) {
    this(
        id,
        component,
        action,
        from,
        to,
        workload,
        image,
        targets,
        migration,
        backup,
        snapshot,
        objects,
        customResource,
        restore,
        message,
        null,
        null);
  }

  /** How many times the step may run again after a failure: 0 when the plan says nothing. */
  public int retriesOrZero() {
    return retries == null ? 0 : Math.max(0, retries);
  }
}
