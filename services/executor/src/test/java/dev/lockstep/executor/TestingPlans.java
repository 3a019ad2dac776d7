package dev.lockstep.executor;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
        null);
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
}
