package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A faulty image fails its rollout, the upgrade fails with its history, and the rollback plan built
 * from that history alone puts every workload's image and replicas back to the recorded
 * before-states and restores the volume from the backup taken before the stateful change.
 */
class FaultyRolloutRollbackIT {
  private final String platform = "faulty-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private SimulatedCluster cluster;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform)
            .namespaces("data", "core")
            .verdictDelay(Duration.ofMillis(50))
            .snapshotController()
            .start();
    cluster = fixture.cluster();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
    fixture.startExecutor();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aFaultyImageFailsItsRolloutAndTheRollbackRestoresEveryBeforeState() {
    TestingWorkloads.statefulSet(setup, "data", "pg", "registry.example.com/pg:15.3", 1, "data");
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:2.3.1", 2);
    TestingWorkloads.statefulSet(
        setup, "core", "metis-operator", "registry.example.com/op:2.3.1", 3, null);
    WorkloadRef pg = new WorkloadRef("StatefulSet", "data", "pg", null);
    WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", "metis");
    List<ObjectRef> operator = List.of(ObjectRef.of("StatefulSet", "core", "metis-operator"));
    String upgradeId = "up-" + UUID.randomUUID();
    Plan plan =
        TestingPlans.plan(
            upgradeId,
            platform,
            PlanMode.UPGRADE,
            null,
            List.of(
                new Wave(
                    0,
                    "cloud-kernel",
                    List.of(
                        TestingPlans.backup("s-0-1", "pg", pg),
                        TestingPlans.setImage(
                            "s-0-2", "pg", pg, "registry.example.com/pg:15.4", "15.3", "15.4")),
                    List.of(TestingPlans.gate("pg-health"))),
                new Wave(
                    1,
                    "core-kernel",
                    List.of(
                        TestingPlans.drain("s-1-1", "metis", operator),
                        TestingPlans.setImage(
                            "s-1-2",
                            "metis",
                            metis,
                            "registry.example.com/metis:2.4.0-crashloop",
                            "2.3.1",
                            "2.4.0"),
                        TestingPlans.restoreReplicas("s-1-3", "metis", operator)),
                    List.of(TestingPlans.gate("metis-health")))));

    fixture.publishPlan(plan, "release-bot", null);
    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);

    StepFailed stepFailed = lockstep.await(upgradeId, StepFailed.class);
    assertThat(stepFailed.stepId()).isEqualTo("s-1-2");
    assertThat(stepFailed.reason()).contains("progress deadline");
    assertThat(failed.failedStepId()).isEqualTo("s-1-2");
    assertThat(failed.history())
        .extracting(StepOutcome::stepId)
        .containsExactly("s-0-1", "s-0-2", "s-1-1", "s-1-2");
    assertThat(lockstep.events(upgradeId, dev.lockstep.events.v1.StepStarted.class))
        .extracting(s -> s.stepId())
        .doesNotContain("s-1-3");

    String rollbackId = "rb-" + UUID.randomUUID();
    Plan rollback = TestingPlans.rollbackOf(rollbackId, upgradeId, platform, failed.history());
    assertThat(rollback.waves().get(0).steps())
        .extracting(s -> s.action())
        .contains(StepAction.RESTORE_SNAPSHOT);
    fixture.publishPlan(rollback, "planner", "automatic rollback");
    RollbackCompleted completed = lockstep.await(rollbackId, RollbackCompleted.class);
    assertThat(completed.rollbackOf()).isEqualTo(upgradeId);

    for (StepOutcome outcome : failed.history()) {
      for (ObjectState before : outcome.before()) {
        HasMetadata now = workload(before);
        assertThat(imagesOf(now)).as("images of %s", before.name()).isEqualTo(before.images());
        assertThat(replicasOf(now))
            .as("replicas of %s", before.name())
            .isEqualTo(before.replicas());
      }
    }
    String snapshot = failed.history().get(0).snapshot();
    PersistentVolumeClaim claim =
        setup.persistentVolumeClaims().inNamespace("data").withName("data-pg-0").get();
    assertThat(claim.getSpec().getDataSource()).isNotNull();
    assertThat(claim.getSpec().getDataSource().getKind()).isEqualTo("VolumeSnapshot");
    assertThat(claim.getSpec().getDataSource().getName()).isEqualTo(snapshot);
  }

  private HasMetadata workload(ObjectState state) {
    return state.kind().equals("Deployment")
        ? setup.apps().deployments().inNamespace(state.namespace()).withName(state.name()).get()
        : setup.apps().statefulSets().inNamespace(state.namespace()).withName(state.name()).get();
  }

  private static Map<String, String> imagesOf(HasMetadata workload) {
    PodTemplateSpec template =
        workload instanceof Deployment d
            ? d.getSpec().getTemplate()
            : ((StatefulSet) workload).getSpec().getTemplate();
    return template.getSpec().getContainers().stream()
        .collect(java.util.stream.Collectors.toMap(c -> c.getName(), c -> c.getImage()));
  }

  private static Integer replicasOf(HasMetadata workload) {
    return workload instanceof Deployment d
        ? d.getSpec().getReplicas()
        : ((StatefulSet) workload).getSpec().getReplicas();
  }
}
