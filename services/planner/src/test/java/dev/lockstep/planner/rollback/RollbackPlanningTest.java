package dev.lockstep.planner.rollback;

import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rollback rules of DESIGN section 5, planned from the executor's recorded before-states. */
class RollbackPlanningTest {
  static ObjectState deployment(String name, String version, boolean exists) {
    return new ObjectState(
        "apps/v1",
        "Deployment",
        "core",
        name,
        exists,
        exists ? "17" : null,
        exists ? Map.of(name, "registry.example.com/" + name + ":" + version) : null,
        exists ? 2 : null,
        exists ? version : null,
        null,
        null);
  }

  static StepOutcome setImage(String step, String component, String from, String to) {
    return new StepOutcome(
        step,
        component,
        StepAction.SET_IMAGE,
        from,
        to,
        List.of(deployment(component, from, from != null)),
        null);
  }

  static RollbackRequest request(
      List<StepOutcome> history,
      List<RunningComponent> inventory,
      Map<String, List<StepOutcome>> earlier) {
    return request(history, inventory, earlier, List.of());
  }

  static RollbackRequest request(
      List<StepOutcome> history,
      List<RunningComponent> inventory,
      Map<String, List<StepOutcome>> earlier,
      List<PlannedGate> gatesOfTheUpgrade) {
    return new RollbackRequest(
        "rb-1",
        "u-1",
        "p-1",
        history,
        inventory,
        TestingReleases.LAYERS,
        Map.of(),
        earlier,
        Map.of(),
        "2.0.0",
        "1.0.0",
        gatesOfTheUpgrade);
  }

  private static List<PlanStep> stepsOf(Plan plan, String component) {
    return plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(s -> s.component().equals(component))
        .toList();
  }

  private static int waveOf(Plan plan, String component) {
    return plan.waves().stream()
        .filter(w -> w.steps().stream().anyMatch(s -> s.component().equals(component)))
        .mapToInt(Wave::index)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void rollbackGoesTopDownAndRestoresTheRecordedBeforeStates() {
    List<StepOutcome> history =
        List.of(
            setImage("s-0-1", "postgres", "15.3.0", "15.4.0"),
            setImage("s-1-1", "metis", "2.3.1", "2.4.0"),
            setImage("s-2-1", "app", "1.0.0", "1.1.0"));
    List<RunningComponent> now =
        List.of(
            running("postgres", "cloud-kernel", "15.4.0", Map.of()),
            running("metis", "core-kernel", "2.4.0", Map.of()),
            running("app", "user-space", "1.1.0", Map.of()));

    Plan plan = RollbackPlanner.plan(request(history, now, Map.of())).planOrThrow();

    assertThat(plan.mode()).isEqualTo(PlanMode.ROLLBACK);
    assertThat(plan.rollbackOf()).isEqualTo("u-1");
    assertThat(plan.waves())
        .extracting(Wave::layer)
        .containsExactly("user-space", "core-kernel", "cloud-kernel");
    PlanStep metis = stepsOf(plan, "metis").get(0);
    assertThat(metis.action()).isEqualTo(StepAction.SET_IMAGE);
    assertThat(metis.from()).isEqualTo("2.4.0");
    assertThat(metis.to()).isEqualTo("2.3.1");
    assertThat(metis.image()).isEqualTo("registry.example.com/metis:2.3.1");
    assertThat(metis.restore()).containsExactly(deployment("metis", "2.3.1", true));
    assertThat(plan.versions())
        .contains(new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"));
  }

  @Test
  void thePlatformIsVerifiedOnceEverythingIsRestored() {
    List<StepOutcome> history =
        List.of(
            setImage("s-0-1", "postgres", "15.3.0", "15.4.0"),
            setImage("s-1-1", "app", "1.0.0", "1.1.0"));
    List<RunningComponent> now =
        List.of(
            running("postgres", "cloud-kernel", "15.4.0", Map.of()),
            running("app", "user-space", "1.1.0", Map.of()));
    List<PlannedGate> gatesOfTheUpgrade =
        List.of(
            new PlannedGate("error-rate", "prometheus", null, null),
            new PlannedGate("postgres-ready", "kubernetes", "postgres", null),
            new PlannedGate("error-rate", "prometheus", null, null),
            new PlannedGate("app-health", "http", "app", null),
            new PlannedGate("other-health", "http", "other", null),
            new PlannedGate("sign-off", "approval", null, null));

    Plan plan =
        RollbackPlanner.plan(request(history, now, Map.of(), gatesOfTheUpgrade)).planOrThrow();

    assertThat(plan.waves()).extracting(Wave::layer).containsExactly("user-space", "cloud-kernel");
    assertThat(plan.waves().get(0).gates()).as("no gate stops a rollback halfway").isEmpty();
    assertThat(plan.waves().get(1).gates())
        .extracting(PlannedGate::name)
        .containsExactly("error-rate", "postgres-ready", "app-health");
  }

  @Test
  void aComponentNewInTheReleaseIsRemoved() {
    List<StepOutcome> history = List.of(setImage("s-0-1", "fresh", null, "1.0.0"));

    Plan plan =
        RollbackPlanner.plan(
                request(
                    history, List.of(running("fresh", "core-kernel", "1.0.0", Map.of())), Map.of()))
            .planOrThrow();

    assertThat(stepsOf(plan, "fresh"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.action()).isEqualTo(StepAction.REMOVE);
              assertThat(s.to()).isNull();
              assertThat(s.restore()).extracting(ObjectState::exists).containsExactly(false);
              assertThat(s.targets()).extracting(t -> t.name()).containsExactly("fresh");
            });
    assertThat(plan.versions()).contains(new VersionChange("fresh", "core-kernel", "1.0.0", null));
  }

  @Test
  void aMajorVersionRollbackWaitsForApprovalFirst() {
    List<StepOutcome> history =
        List.of(
            setImage("s-0-1", "poros", "1.9.0", "2.0.0"),
            setImage("s-0-2", "metis", "2.3.0", "2.4.0"));

    Plan plan = RollbackPlanner.plan(request(history, List.of(), Map.of())).planOrThrow();

    assertThat(stepsOf(plan, "poros"))
        .extracting(PlanStep::action)
        .containsExactly(StepAction.APPROVE, StepAction.SET_IMAGE);
    assertThat(stepsOf(plan, "poros").get(0).message())
        .contains("poros")
        .contains("2.0.0")
        .contains("1.9.0");
    assertThat(stepsOf(plan, "metis"))
        .extracting(PlanStep::action)
        .containsExactly(StepAction.SET_IMAGE);
  }

  @Test
  void aStatefulComponentIsRestoredFromTheSnapshotTakenBeforeTheChange() {
    assertRestoredFromSnapshot(true);
  }

  /** The executor's backup changes nothing, so it may record no before-state of its own. */
  @Test
  void aBackupWithoutBeforeStatesRestoresTheWorkloadItsComponentChanged() {
    assertRestoredFromSnapshot(false);
  }

  /**
   * An upgrade cancelled (or failed) right after it took a snapshot changed nothing of that
   * component: the rollback leaves it alone, since restoring the snapshot would lose what was
   * written since (the soak caught a rollback that tried, with no workload, and failed).
   */
  @Test
  void aComponentOfWhichOnlyASnapshotWasTakenIsLeftAlone() {
    List<StepOutcome> history =
        List.of(
            new StepOutcome(
                "s-0-1",
                "postgres",
                StepAction.BACKUP,
                "15.3.0",
                "15.4.0",
                List.of(),
                "postgres-u-1-s-0-1"),
            setImage("s-0-2", "metis", "1.0.0", "1.1.0"));

    Plan plan =
        RollbackPlanner.plan(
                request(
                    history,
                    List.of(
                        running("postgres", "cloud-kernel", "15.3.0", Map.of()),
                        running("metis", "core-kernel", "1.1.0", Map.of())),
                    Map.of()))
            .planOrThrow();

    assertThat(stepsOf(plan, "postgres")).isEmpty();
    assertThat(plan.versions()).extracting(VersionChange::component).containsExactly("metis");
    assertThat(stepsOf(plan, "metis"))
        .extracting(PlanStep::action)
        .containsExactly(StepAction.SET_IMAGE);
  }

  /**
   * A migration after the snapshot changed the data: the snapshot goes back, on the inventory's
   * workload.
   */
  @Test
  void aMigrationAfterTheSnapshotPutsTheSnapshotBackOnTheComponentsWorkload() {
    List<StepOutcome> history =
        List.of(
            new StepOutcome(
                "s-0-1",
                "postgres",
                StepAction.BACKUP,
                "15.3.0",
                "15.4.0",
                List.of(),
                "postgres-u-1-s-0-1"),
            new StepOutcome(
                "s-0-2", "postgres", StepAction.MIGRATE, "15.3.0", "15.4.0", List.of(), null));
    RunningComponent postgres =
        new RunningComponent(
            "postgres",
            "cloud-kernel",
            "15.3.0",
            Map.of(),
            List.of(
                ObjectRef.of("Service", "data", "postgres"),
                ObjectRef.of("StatefulSet", "data", "postgres")));

    Plan plan = RollbackPlanner.plan(request(history, List.of(postgres), Map.of())).planOrThrow();

    PlanStep restore = stepsOf(plan, "postgres").get(0);
    assertThat(restore.action()).isEqualTo(StepAction.RESTORE_SNAPSHOT);
    assertThat(restore.workload().kind()).isEqualTo("StatefulSet");
    assertThat(restore.workload().name()).isEqualTo("postgres");
  }

  private static void assertRestoredFromSnapshot(boolean backupRecordsTheWorkload) {
    ObjectState sts =
        new ObjectState(
            "apps/v1",
            "StatefulSet",
            "data",
            "postgres",
            true,
            "5",
            Map.of("postgres", "pg:15.3.0"),
            1,
            "15.3.0",
            null,
            null);
    List<StepOutcome> history =
        List.of(
            new StepOutcome(
                "s-0-1",
                "postgres",
                StepAction.BACKUP,
                "15.3.0",
                "15.4.0",
                backupRecordsTheWorkload ? List.of(sts) : List.of(),
                "postgres-u-1-s-0-1"),
            new StepOutcome(
                "s-0-2", "postgres", StepAction.SET_IMAGE, "15.3.0", "15.4.0", List.of(sts), null));

    Plan plan =
        RollbackPlanner.plan(
                request(
                    history,
                    List.of(running("postgres", "cloud-kernel", "15.4.0", Map.of())),
                    Map.of()))
            .planOrThrow();

    assertThat(stepsOf(plan, "postgres"))
        .extracting(PlanStep::action)
        .containsExactly(StepAction.RESTORE_SNAPSHOT, StepAction.SET_IMAGE);
    PlanStep restore = stepsOf(plan, "postgres").get(0);
    assertThat(restore.snapshot()).isEqualTo("postgres-u-1-s-0-1");
    assertThat(restore.workload().kind()).isEqualTo("StatefulSet");
    assertThat(restore.workload().name()).isEqualTo("postgres");
    assertThat(plan.risk().factors()).contains("snapshot restore: postgres");
  }

  @Test
  void aDrainedComponentGetsItsRecordedReplicasBack() {
    ObjectState operator =
        new ObjectState(
            "apps/v1",
            "StatefulSet",
            "core",
            "metis-operator",
            true,
            "9",
            null,
            3,
            null,
            null,
            null);
    List<StepOutcome> history =
        List.of(
            new StepOutcome(
                "s-0-1", "metis", StepAction.DRAIN, "2.3.1", "2.4.0", List.of(operator), null),
            setImage("s-0-2", "metis", "2.3.1", "2.4.0"));

    Plan plan = RollbackPlanner.plan(request(history, List.of(), Map.of())).planOrThrow();

    PlanStep last = stepsOf(plan, "metis").get(stepsOf(plan, "metis").size() - 1);
    assertThat(last.action()).isEqualTo(StepAction.RESTORE_REPLICAS);
    assertThat(last.restore()).extracting(ObjectState::replicas).containsExactly(3);
  }

  @Test
  void aComponentWhoseDependencyDropsBelowItsRangeRollsBackToo() {
    List<StepOutcome> history = List.of(setImage("s-0-1", "poros", "1.9.0", "2.0.0"));
    List<RunningComponent> now =
        List.of(
            running("poros", "core-kernel", "2.0.0", Map.of()),
            running("metis", "user-space", "3.0.0", Map.of("poros", "^2.0.0")),
            running("bystander", "user-space", "1.0.0", Map.of("poros", ">=1.0.0")));
    Map<String, List<StepOutcome>> earlier =
        Map.of("metis", List.of(setImage("s-3-1", "metis", "2.9.0", "3.0.0")));

    Plan plan = RollbackPlanner.plan(request(history, now, earlier)).planOrThrow();

    assertThat(waveOf(plan, "metis")).isLessThan(waveOf(plan, "poros"));
    assertThat(stepsOf(plan, "metis")).extracting(PlanStep::to).contains("2.9.0");
    assertThat(plan.waves())
        .flatExtracting(Wave::steps)
        .extracting(PlanStep::component)
        .doesNotContain("bystander");

    PlanningResult without = RollbackPlanner.plan(request(history, now, Map.of()));
    assertThat(without).isInstanceOf(PlanningResult.Rejected.class);
    assertThat(((PlanningResult.Rejected) without).errors())
        .extracting(ErrorDetail::code)
        .containsExactly(Codes.INCOMPATIBLE_INTERMEDIATE_STATE);
    assertThat(((PlanningResult.Rejected) without).errors().get(0).message())
        .contains("poros")
        .contains("metis");
  }

  @Test
  void withinALayerDependentsRollBackBeforeWhatTheyRequire() {
    List<StepOutcome> history =
        List.of(
            setImage("s-0-1", "poros", "1.0.0", "1.1.0"),
            setImage("s-1-1", "metis", "1.0.0", "1.1.0"));
    List<RunningComponent> now =
        List.of(
            running("poros", "core-kernel", "1.1.0", Map.of()),
            running("metis", "core-kernel", "1.1.0", Map.of("poros", "^1.1.0")));

    Plan plan = RollbackPlanner.plan(request(history, now, Map.of())).planOrThrow();

    assertThat(waveOf(plan, "metis")).isLessThan(waveOf(plan, "poros"));
  }
}
