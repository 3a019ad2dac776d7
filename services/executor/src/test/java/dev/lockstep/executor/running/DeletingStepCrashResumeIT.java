package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A step that deletes, with the executor killed after the delete and before the step's result, then
 * started again: the object is gone, yet {@code step.succeeded} (and the upgrade's history, from
 * which the rollback is planned) carries its true before-state, which the step's intent read before
 * the delete; and the operation log shows the delete once.
 */
class DeletingStepCrashResumeIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private final String platform = "deleting-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private SimulatedCluster cluster;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform)
            .namespaces("core", "data")
            .verdictDelay(Duration.ofMillis(20))
            .start();
    cluster = fixture.cluster();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @ParameterizedTest(name = "crash at {0}")
  @ValueSource(strings = {"mid-act", "before-result"})
  void aRollbackRemoveKilledAfterItsDeleteReportsTheRemovedObjectOnce(String point)
      throws Exception {
    TestingWorkloads.deployment(
        setup, "core", "newcomer", "registry.example.com/newcomer:1.0.0", 3);
    String rollbackId = "rb-" + UUID.randomUUID();
    ObjectState created =
        new ObjectState(
            "apps/v1", "Deployment", "core", "newcomer", false, null, null, null, null, null, null);
    publishPlan(
        rollbackId,
        PlanMode.ROLLBACK,
        "up-" + UUID.randomUUID(),
        new Wave(
            0,
            "all",
            List.of(TestingPlans.removeCreated("r-0-1", "newcomer", List.of(created))),
            List.of()));

    crashAt(point + ":r-0-1");
    assertThat(setup.apps().deployments().inNamespace("core").withName("newcomer").get())
        .as("deleted before the crash")
        .isNull();
    assertThat(lockstep.events(rollbackId, StepSucceeded.class)).isEmpty();
    resume(rollbackId, RollbackCompleted.class);

    StepSucceeded removed = succeeded(rollbackId, "r-0-1");
    assertThat(removed.before()).hasSize(1);
    ObjectState newcomer = removed.before().get(0);
    assertThat(newcomer.exists()).isTrue();
    assertThat(newcomer.images()).containsEntry("newcomer", "registry.example.com/newcomer:1.0.0");
    assertThat(newcomer.replicas()).isEqualTo(3);
    assertThat(newcomer.manifest()).containsKey("spec");
    assertIntentCarried(rollbackId, "r-0-1", removed.before());
    assertThat(
            cluster
                .operations()
                .query()
                .byCodeUnderTest()
                .succeeded()
                .mainResource()
                .method("DELETE")
                .kind("Deployment")
                .name("newcomer")
                .count())
        .isEqualTo(1);
  }

  @Test
  void anUpgradeRemoveKilledAfterItsDeleteKeepsTheObjectInTheHistoryOfItsFailure()
      throws Exception {
    TestingWorkloads.deployment(setup, "core", "legacy", "registry.example.com/legacy:0.9.0", 2);
    String upgradeId = "up-" + UUID.randomUUID();
    lockstep.failGate("w0-health");
    publishPlan(
        upgradeId,
        PlanMode.UPGRADE,
        null,
        new Wave(
            0,
            "core-kernel",
            List.of(
                TestingPlans.remove(
                    "s-0-1",
                    "legacy",
                    "0.9.0",
                    List.of(ObjectRef.of("Deployment", "core", "legacy")))),
            List.of(TestingPlans.gate("health"))));

    crashAt("before-result:s-0-1");
    UpgradeFailed failed = resume(upgradeId, UpgradeFailed.class);

    assertThat(failed.history()).extracting(StepOutcome::stepId).containsExactly("s-0-1");
    ObjectState legacy = failed.history().get(0).before().get(0);
    assertThat(legacy.name()).isEqualTo("legacy");
    assertThat(legacy.exists()).isTrue();
    assertThat(legacy.images()).containsEntry("legacy", "registry.example.com/legacy:0.9.0");
    assertThat(legacy.replicas()).isEqualTo(2);
    assertThat(legacy.manifest()).containsKey("spec");
    assertIntentCarried(upgradeId, "s-0-1", failed.history().get(0).before());
    assertThat(
            cluster
                .operations()
                .query()
                .byCodeUnderTest()
                .succeeded()
                .mainResource()
                .method("DELETE")
                .kind("Deployment")
                .count())
        .isEqualTo(1);
  }

  @Test
  void aRestoreSnapshotKilledBetweenDeleteAndCreateReCreatesTheClaimAsItWas() throws Exception {
    TestingWorkloads.claim(setup, "data", "data-pg-0", "fast-ssd", Map.of("tier", "db"));
    TestingWorkloads.volumeSnapshot(setup, "data", "data-pg-0-snap", "data-pg-0");
    String rollbackId = "rb-" + UUID.randomUUID();
    publishPlan(
        rollbackId,
        PlanMode.ROLLBACK,
        "up-" + UUID.randomUUID(),
        new Wave(
            0,
            "all",
            List.of(
                TestingPlans.restoreSnapshot(
                    "r-0-1",
                    "pg",
                    new WorkloadRef("StatefulSet", "data", "pg", null),
                    "data-pg-0-snap")),
            List.of()));

    crashAt("mid-act:r-0-1");
    assertThat(setup.persistentVolumeClaims().inNamespace("data").withName("data-pg-0").get())
        .as("deleted, not yet re-created, at the crash")
        .isNull();
    resume(rollbackId, RollbackCompleted.class);

    StepSucceeded restored = succeeded(rollbackId, "r-0-1");
    assertThat(restored.before()).hasSize(1);
    ObjectState old = restored.before().get(0);
    assertThat(old.name()).isEqualTo("data-pg-0");
    assertThat(old.exists()).isTrue();
    assertThat(old.manifest()).containsKey("spec");
    assertIntentCarried(rollbackId, "r-0-1", restored.before());
    PersistentVolumeClaim claim =
        setup.persistentVolumeClaims().inNamespace("data").withName("data-pg-0").get();
    assertThat(claim.getSpec().getDataSource().getName()).isEqualTo("data-pg-0-snap");
    assertThat(claim.getSpec().getStorageClassName())
        .as("the claim is re-created as it was, from the recorded manifest")
        .isEqualTo("fast-ssd");
    assertThat(claim.getMetadata().getLabels()).containsEntry("tier", "db");
    assertThat(claim.getMetadata().getAnnotations()).containsKey(LockstepAnnotations.BEFORE_STATE);
    var claims =
        cluster
            .operations()
            .query()
            .byCodeUnderTest()
            .succeeded()
            .mainResource()
            .kind("PersistentVolumeClaim")
            .name("data-pg-0");
    assertThat(claims.method("DELETE").count()).isEqualTo(1);
    assertThat(claims.method("POST").count()).isEqualTo(1);
  }

  private void publishPlan(String upgradeId, PlanMode mode, String rollbackOf, Wave wave) {
    fixture.publishPlan(
        TestingPlans.plan(upgradeId, platform, mode, rollbackOf, List.of(wave)), "planner", null);
  }

  /** Runs an executor until it dies at the crash point. */
  private void crashAt(String crashAt) throws InterruptedException {
    ApplicationContext first = fixture.startExecutorCrashingAt(crashAt);
    try {
      TestingCrashPoints crashPoints = first.getBean(TestingCrashPoints.class);
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (!crashPoints.crashed() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(crashPoints.crashed()).as("the executor reached " + crashAt).isTrue();
    } finally {
      first.close();
    }
  }

  /** Starts a new executor and waits for the plan's final event. */
  private <T extends EventPayload> T resume(String upgradeId, Class<T> end) {
    ApplicationContext second = fixture.startExecutor();
    try {
      return lockstep.await(upgradeId, end);
    } finally {
      second.close();
    }
  }

  private StepSucceeded succeeded(String upgradeId, String stepId) {
    List<StepSucceeded> results =
        lockstep.events(upgradeId, StepSucceeded.class).stream()
            .filter(s -> s.stepId().equals(stepId))
            .toList();
    assertThat(results).as("one result for %s", stepId).hasSize(1);
    return results.get(0);
  }

  /** Both attempts recorded, before acting, the before-states the result reports. */
  private void assertIntentCarried(String upgradeId, String stepId, List<ObjectState> before) {
    List<StepStarted> started =
        lockstep.events(upgradeId, StepStarted.class).stream()
            .filter(s -> s.stepId().equals(stepId))
            .toList();
    assertThat(started).extracting(StepStarted::attempt).containsExactly(1, 2);
    assertThat(started).allSatisfy(s -> assertThat(s.before()).isEqualTo(before));
  }
}
