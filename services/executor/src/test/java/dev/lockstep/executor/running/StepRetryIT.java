package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A step whose rollout fails is run again as often as its component's {@code retries} allow: a
 * rollout that fails once and then succeeds completes the upgrade after one {@code step.retried};
 * one that keeps failing fails the step once the retries are used up, and the upgrade fails and
 * rolls back as without retries. One executor serves both, one upgrade after the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StepRetryIT {
  private final String platform = "retry-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeAll
  void start() {
    fixture = TestingExecutorFixture.forPlatform(platform).namespaces("core").start();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
    fixture.startExecutor(Map.of("lockstep.executor.step-retry-pause", "100ms"));
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  @Test
  void aRolloutThatFailsOnceIsRetriedAndTheUpgradeCompletes() {
    TestingWorkloads.deployment(setup, "core", "alpha", "registry.example.com/alpha:1.0.0", 2);
    fixture.cluster().kubelet().failFirstRollouts("registry.example.com/alpha:2.0.0", 1);
    String upgradeId = "up-" + UUID.randomUUID();

    fixture.publishPlan(upgradeOf(upgradeId, "alpha", 2), "release-bot", null);
    lockstep.await(upgradeId, UpgradeCompleted.class);

    assertThat(lockstep.events(upgradeId, StepRetried.class))
        .singleElement()
        .satisfies(
            retried -> {
              assertThat(retried.stepId()).isEqualTo("s-0-1");
              assertThat(retried.attempt()).isEqualTo(2);
              assertThat(retried.attempts()).isEqualTo(3);
              assertThat(retried.reason()).contains("progress deadline");
            });
    assertThat(lockstep.events(upgradeId, StepStarted.class))
        .extracting(StepStarted::attempt)
        .containsExactly(1, 2);
    assertThat(lockstep.events(upgradeId, StepFailed.class)).isEmpty();
    Deployment alpha = setup.apps().deployments().inNamespace("core").withName("alpha").get();
    assertThat(alpha.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/alpha:2.0.0");
    assertThat(alpha.getStatus().getReadyReplicas()).isEqualTo(2);
  }

  @Test
  void aRolloutThatKeepsFailingUsesUpItsRetriesAndTheUpgradeRollsBack() {
    TestingWorkloads.deployment(setup, "core", "beta", "registry.example.com/beta:1.0.0", 1);
    fixture.cluster().kubelet().failFirstRollouts("registry.example.com/beta:2.0.0", 2);
    String upgradeId = "up-" + UUID.randomUUID();

    fixture.publishPlan(upgradeOf(upgradeId, "beta", 1), "release-bot", null);
    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);

    assertThat(lockstep.events(upgradeId, StepRetried.class))
        .extracting(StepRetried::attempt, StepRetried::attempts)
        .containsExactly(tuple(2, 2));
    assertThat(lockstep.events(upgradeId, StepFailed.class)).hasSize(1);
    assertThat(failed.failedStepId()).isEqualTo("s-0-1");
    assertThat(failed.history()).extracting(StepOutcome::stepId).containsExactly("s-0-1");
    assertThat(failed.history().get(0).before().get(0).images())
        .containsEntry("beta", "registry.example.com/beta:1.0.0");

    String rollbackId = "rb-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.rollbackOf(rollbackId, upgradeId, platform, failed.history()),
        "planner",
        "automatic rollback");
    lockstep.await(rollbackId, RollbackCompleted.class);
    Deployment beta = setup.apps().deployments().inNamespace("core").withName("beta").get();
    assertThat(beta.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/beta:1.0.0");
  }

  private Plan upgradeOf(String upgradeId, String name, int retries) {
    WorkloadRef workload = new WorkloadRef("Deployment", "core", name, name);
    return TestingPlans.plan(
        upgradeId,
        platform,
        PlanMode.UPGRADE,
        null,
        List.of(
            new Wave(
                0,
                "core-kernel",
                List.of(
                    TestingPlans.withRetries(
                        TestingPlans.setImage(
                            "s-0-1",
                            name,
                            workload,
                            "registry.example.com/" + name + ":2.0.0",
                            "1.0.0",
                            "2.0.0"),
                        retries)),
                List.of(TestingPlans.gate(name + "-health")))));
  }
}
