package dev.lockstep.executor.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster operations against the simulated cluster: a step run again finds its work done and
 * reports the same before-state without a second write; DaemonSet images; removal of what a
 * rollback removes; a step killed after a delete reports, when run again, the before-state its
 * intent read first; a workload that does not exist fails the step with the reason.
 */
class IdempotentClusterStepsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private SimulatedCluster cluster;
  private KubernetesClient setup;
  private ClusterSteps steps;

  @BeforeEach
  void start() {
    cluster = new SimulatedCluster().start();
    setup = cluster.newClient("simulated-test-setup");
    steps =
        new ClusterSteps(
            cluster.newClient("executor"),
            Set.of("core"),
            new ClusterTimings(WAIT, Duration.ZERO, WAIT, WAIT));
  }

  @AfterEach
  void stop() {
    setup.close();
    cluster.close();
  }

  private static Progress waitFor(Applied applied) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Progress progress = applied.check().poll(Instant.now());
    while (progress.state() == Progress.State.WAITING && System.nanoTime() < deadline) {
      Thread.sleep(20);
      progress = applied.check().poll(Clock.systemUTC().instant());
    }
    return progress;
  }

  @Test
  void aSetImageRunTwiceWritesOnceAndReportsTheSameBeforeState() throws Exception {
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 2);
    StepContext context =
        new StepContext(
            "p",
            "u-1",
            TestingPlans.setImage(
                "s-0-1",
                "metis",
                new WorkloadRef("Deployment", "core", "metis", null),
                "registry.example.com/metis:2.0.0",
                "1.0.0",
                "2.0.0"),
            List.of(),
            List.of());

    Applied first = steps.apply(context, Instant.now());
    Applied again = steps.apply(context, Instant.now());

    assertThat(waitFor(again).state()).isEqualTo(Progress.State.DONE);
    assertThat(again.before()).isEqualTo(first.before());
    assertThat(first.before().get(0).images())
        .containsEntry("metis", "registry.example.com/metis:1.0.0");
    assertThat(cluster.operations().query().byCodeUnderTest().succeeded().method("PUT").count())
        .isEqualTo(1);
  }

  @Test
  void aDaemonSetGetsItsNewImageAndItsRolloutIsAwaited() throws Exception {
    DaemonSet daemonSet =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("agent")
            .withNamespace("core")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .withMatchLabels(Map.of("app", "agent"))
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(Map.of("app", "agent"))
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("agent")
            .withImage("agent:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    setup.apps().daemonSets().inNamespace("core").resource(daemonSet).create();

    Applied applied =
        steps.apply(
            new StepContext(
                "p",
                "u-2",
                TestingPlans.setImage(
                    "s-0-1",
                    "agent",
                    new WorkloadRef("DaemonSet", "core", "agent", null),
                    "agent:2",
                    "1",
                    "2"),
                List.of(),
                List.of()),
            Instant.now());

    assertThat(waitFor(applied).state()).isEqualTo(Progress.State.DONE);
    assertThat(
            setup
                .apps()
                .daemonSets()
                .inNamespace("core")
                .withName("agent")
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage())
        .isEqualTo("agent:2");
  }

  @Test
  void aRemoveDeletesWhatTheUpgradeCreatedAndRecordsItsManifest() throws Exception {
    TestingWorkloads.deployment(
        setup, "core", "newcomer", "registry.example.com/newcomer:1.0.0", 1);
    ObjectState created =
        new ObjectState(
            "apps/v1", "Deployment", "core", "newcomer", false, null, null, null, null, null, null);
    PlanStep remove =
        new PlanStep(
            "r-0-1",
            "newcomer",
            StepAction.REMOVE,
            "1.0.0",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(created),
            null);

    Applied applied =
        steps.apply(new StepContext("p", "rb-1", remove, List.of(), List.of()), Instant.now());

    assertThat(waitFor(applied).state()).isEqualTo(Progress.State.DONE);
    assertThat(setup.apps().deployments().inNamespace("core").withName("newcomer").get()).isNull();
    assertThat(applied.before()).hasSize(1);
    assertThat(applied.before().get(0).manifest()).containsKey("spec");
  }

  @Test
  void readingBeforeStatesChangesNothing() {
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 2);
    StepContext context =
        new StepContext(
            "p",
            "u-4",
            TestingPlans.setImage(
                "s-0-1",
                "metis",
                new WorkloadRef("Deployment", "core", "metis", null),
                "registry.example.com/metis:2.0.0",
                "1.0.0",
                "2.0.0"),
            List.of(),
            List.of());

    List<ObjectState> before = steps.readBefore(context);

    assertThat(before).hasSize(1);
    assertThat(before.get(0).images()).containsEntry("metis", "registry.example.com/metis:1.0.0");
    assertThat(before.get(0).replicas()).isEqualTo(2);
    assertThat(cluster.operations().byCodeUnderTest()).isEmpty();
  }

  @Test
  void aRemoveKilledAfterItsDeleteReportsTheBeforeStateOfItsIntentWhenRunAgain() throws Exception {
    TestingWorkloads.deployment(
        setup, "core", "newcomer", "registry.example.com/newcomer:1.0.0", 3);
    PlanStep remove = removeOf("r-0-1", "newcomer", "Deployment", "newcomer");
    StepContext reading = new StepContext("p", "rb-2", remove, List.of(), List.of());
    List<ObjectState> intent = steps.readBefore(reading);
    StepContext context = new StepContext("p", "rb-2", remove, List.of(), intent);
    ClusterSteps dying =
        new ClusterSteps(
            cluster.newClient("executor"),
            Set.of("core"),
            new ClusterTimings(WAIT, Duration.ZERO, WAIT, WAIT),
            stepId -> {
              throw new IllegalStateException("killed after the delete of " + stepId);
            });

    assertThatThrownBy(() -> dying.apply(context, Instant.now()))
        .hasMessageContaining("killed after the delete");
    assertThat(setup.apps().deployments().inNamespace("core").withName("newcomer").get()).isNull();
    Applied again = steps.apply(context, Instant.now());

    assertThat(waitFor(again).state()).isEqualTo(Progress.State.DONE);
    assertThat(again.before()).isEqualTo(intent);
    ObjectState newcomer = again.before().get(0);
    assertThat(newcomer.exists()).isTrue();
    assertThat(newcomer.images()).containsEntry("newcomer", "registry.example.com/newcomer:1.0.0");
    assertThat(newcomer.replicas()).isEqualTo(3);
    assertThat(newcomer.manifest()).containsKey("spec");
    assertThat(cluster.operations().query().byCodeUnderTest().method("DELETE").count())
        .isEqualTo(1);
  }

  @Test
  void aRestoreSnapshotKilledBetweenDeleteAndCreateReCreatesTheClaimAsItWas() throws Exception {
    TestingWorkloads.claim(setup, "core", "data-pg-0", "fast-ssd", Map.of("tier", "db"));
    TestingWorkloads.volumeSnapshot(setup, "core", "data-pg-0-snap", "data-pg-0");
    PlanStep restore =
        new PlanStep(
            "r-0-2",
            "pg",
            StepAction.RESTORE_SNAPSHOT,
            null,
            null,
            new WorkloadRef("StatefulSet", "core", "pg", null),
            null,
            null,
            null,
            null,
            "data-pg-0-snap",
            null,
            null,
            null,
            null);
    List<ObjectState> intent =
        steps.readBefore(new StepContext("p", "rb-3", restore, List.of(), List.of()));
    StepContext context = new StepContext("p", "rb-3", restore, List.of(), intent);
    ClusterSteps dying =
        new ClusterSteps(
            cluster.newClient("executor"),
            Set.of("core"),
            new ClusterTimings(WAIT, Duration.ZERO, WAIT, WAIT),
            stepId -> {
              throw new IllegalStateException("killed before re-creating the claim");
            });

    assertThatThrownBy(() -> dying.apply(context, Instant.now()))
        .hasMessageContaining("killed before re-creating");
    assertThat(setup.persistentVolumeClaims().inNamespace("core").withName("data-pg-0").get())
        .isNull();
    Applied again = steps.apply(context, Instant.now());

    assertThat(waitFor(again).state()).isEqualTo(Progress.State.DONE);
    assertThat(again.before()).isEqualTo(intent).hasSize(1);
    PersistentVolumeClaim claim =
        setup.persistentVolumeClaims().inNamespace("core").withName("data-pg-0").get();
    assertThat(claim.getSpec().getDataSource().getName()).isEqualTo("data-pg-0-snap");
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
    assertThat(claim.getSpec().getResources().getRequests().get("storage").toString())
        .isEqualTo("5Gi");
    assertThat(claim.getMetadata().getLabels()).containsEntry("tier", "db");
    assertThat(claim.getMetadata().getAnnotations()).containsKey(LockstepAnnotations.BEFORE_STATE);
    var mine = cluster.operations().query().byCodeUnderTest().kind("PersistentVolumeClaim");
    assertThat(mine.method("DELETE").count()).isEqualTo(1);
    assertThat(mine.method("POST").count()).isEqualTo(1);
  }

  private static PlanStep removeOf(String id, String component, String kind, String name) {
    return new PlanStep(
        id,
        component,
        StepAction.REMOVE,
        "1.0.0",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(
            new ObjectState(
                "apps/v1", kind, "core", name, false, null, null, null, null, null, null)),
        null);
  }

  @Test
  void aMissingWorkloadFailsTheStepWithTheReason() {
    StepContext context =
        new StepContext(
            "p",
            "u-3",
            TestingPlans.drain(
                "s-0-1", "ghost", List.of(ObjectRef.of("StatefulSet", "core", "ghost"))),
            List.of(),
            List.of());

    assertThatThrownBy(() -> steps.apply(context, Instant.now()))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("StatefulSet core/ghost does not exist");
    assertThat(cluster.operations().byCodeUnderTest()).isEmpty();
  }
}
