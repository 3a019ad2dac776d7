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
 * rollback removes; a workload that does not exist fails the step with the reason.
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

    Applied applied = steps.apply(new StepContext("p", "rb-1", remove, List.of()), Instant.now());

    assertThat(waitFor(applied).state()).isEqualTo(Progress.State.DONE);
    assertThat(setup.apps().deployments().inNamespace("core").withName("newcomer").get()).isNull();
    assertThat(applied.before()).hasSize(1);
    assertThat(applied.before().get(0).manifest()).containsKey("spec");
  }

  @Test
  void aMissingWorkloadFailsTheStepWithTheReason() {
    StepContext context =
        new StepContext(
            "p",
            "u-3",
            TestingPlans.drain(
                "s-0-1", "ghost", List.of(ObjectRef.of("StatefulSet", "core", "ghost"))),
            List.of());

    assertThatThrownBy(() -> steps.apply(context, Instant.now()))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("StatefulSet core/ghost does not exist");
    assertThat(cluster.operations().byCodeUnderTest()).isEmpty();
  }
}
