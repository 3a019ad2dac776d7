package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An approval step waits for {@code step.approved}; a cancel in the middle of an upgrade stops it
 * before the next step, and the rollback of the work done puts the platform back.
 */
class ApprovalAndCancelIT {
  private final String platform = "approve-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;
  private final WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", null);
  private final WorkloadRef ui = new WorkloadRef("Deployment", "core", "ui", null);

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofMillis(20)).start();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
    fixture.startExecutor();
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 2);
    TestingWorkloads.deployment(setup, "core", "ui", "registry.example.com/ui:1.0.0", 1);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** Wave 0: metis to 2.0.0, then the gates. */
  private Wave metisWave(PlannedGate... gates) {
    return new Wave(
        0,
        "core",
        List.of(
            TestingPlans.setImage(
                "s-0-1", "metis", metis, "registry.example.com/metis:2.0.0", "1.0.0", "2.0.0")),
        List.of(gates));
  }

  private Plan planWithApproval(String upgradeId) {
    return TestingPlans.plan(
        upgradeId,
        platform,
        PlanMode.UPGRADE,
        null,
        List.of(
            metisWave(TestingPlans.gate("health")),
            new Wave(
                1,
                "user-space",
                List.of(
                    TestingPlans.approve("s-1-1", "ui"),
                    TestingPlans.setImage(
                        "s-1-2", "ui", ui, "registry.example.com/ui:2.0.0", "1.0.0", "2.0.0")),
                List.of())));
  }

  private String imageOf(String name) {
    return setup
        .apps()
        .deployments()
        .inNamespace("core")
        .withName(name)
        .get()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getImage();
  }

  @Test
  void anApprovalStepWaitsForTheApprovalThenTheUpgradeCarriesOn() {
    String upgradeId = "up-" + UUID.randomUUID();
    fixture.publishPlan(planWithApproval(upgradeId), "alice", null);

    ApprovalRequested asked = lockstep.await(upgradeId, ApprovalRequested.class);
    assertThat(asked.stepId()).isEqualTo("s-1-1");
    assertThat(asked.message()).contains("ui");
    assertThat(imageOf("ui"))
        .as("nothing after the approval step ran")
        .isEqualTo("registry.example.com/ui:1.0.0");
    lockstep.publish(upgradeId, new StepApproved(upgradeId, platform, "s-1-1", "bob", "go"));

    lockstep.await(upgradeId, UpgradeCompleted.class);
    assertThat(imageOf("ui")).isEqualTo("registry.example.com/ui:2.0.0");
  }

  @Test
  void anApprovalGateHoldsTheNextWaveUntilSomeoneApprovesIt() {
    String upgradeId = "up-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.plan(
            upgradeId,
            platform,
            PlanMode.UPGRADE,
            null,
            List.of(
                metisWave(TestingPlans.approvalGate("sign-off", null)),
                new Wave(
                    1,
                    "user-space",
                    List.of(
                        TestingPlans.setImage(
                            "s-1-1", "ui", ui, "registry.example.com/ui:2.0.0", "1.0.0", "2.0.0")),
                    List.of()))),
        "alice",
        null);

    ApprovalRequested asked = lockstep.await(upgradeId, ApprovalRequested.class);
    assertThat(asked.stepId()).isEqualTo("w0-sign-off");
    assertThat(asked.component()).isEqualTo("release");
    assertThat(asked.message()).isEqualTo("sign off sign-off?");
    assertThat(imageOf("metis")).isEqualTo("registry.example.com/metis:2.0.0");
    assertThat(imageOf("ui")).as("the next wave waits").isEqualTo("registry.example.com/ui:1.0.0");
    lockstep.publish(upgradeId, new StepApproved(upgradeId, platform, "w0-sign-off", "bob", "ok"));

    lockstep.await(upgradeId, UpgradeCompleted.class);
    assertThat(imageOf("ui")).isEqualTo("registry.example.com/ui:2.0.0");
    assertThat(lockstep.events(upgradeId, GateRequested.class))
        .as("a person's gate is not the validator's")
        .isEmpty();
  }

  @Test
  void aPausedUpgradeStartsNothingNewUntilItIsResumed() throws Exception {
    String upgradeId = "up-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.plan(
            upgradeId,
            platform,
            PlanMode.UPGRADE,
            null,
            List.of(
                new Wave(0, "core", List.of(TestingPlans.approve("s-0-1", "ui")), List.of()),
                new Wave(
                    1,
                    "user-space",
                    List.of(
                        TestingPlans.setImage(
                            "s-1-1", "ui", ui, "registry.example.com/ui:2.0.0", "1.0.0", "2.0.0")),
                    List.of()))),
        "alice",
        null);
    lockstep.await(upgradeId, ApprovalRequested.class);

    lockstep.publish(upgradeId, new UpgradePaused(upgradeId, platform, "alice", "traffic peak"));
    lockstep.publish(upgradeId, new StepApproved(upgradeId, platform, "s-0-1", "bob", "go"));
    Thread.sleep(2_000);
    assertThat(lockstep.events(upgradeId, StepSucceeded.class))
        .as("the approved step does not complete while paused")
        .isEmpty();
    assertThat(imageOf("ui")).isEqualTo("registry.example.com/ui:1.0.0");

    lockstep.publish(upgradeId, new UpgradeResumed(upgradeId, platform, "alice", null));
    lockstep.await(upgradeId, UpgradeCompleted.class);
    assertThat(imageOf("ui")).isEqualTo("registry.example.com/ui:2.0.0");
  }

  @Test
  void aCancelInTheMiddleStopsBeforeTheNextStepAndTheWorkDoneIsRolledBack() {
    String upgradeId = "up-" + UUID.randomUUID();
    fixture.publishPlan(planWithApproval(upgradeId), "alice", null);
    lockstep.await(upgradeId, ApprovalRequested.class);
    assertThat(imageOf("metis")).isEqualTo("registry.example.com/metis:2.0.0");

    lockstep.publish(upgradeId, new UpgradeCancelled(upgradeId, platform, "alice", "freeze", true));
    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);

    assertThat(failed.cancelled()).isTrue();
    assertThat(failed.reason()).contains("alice");
    assertThat(failed.history()).extracting(StepOutcome::stepId).containsExactly("s-0-1");
    assertThat(lockstep.events(upgradeId, StepStarted.class))
        .extracting(StepStarted::stepId)
        .doesNotContain("s-1-2");
    assertThat(imageOf("ui")).isEqualTo("registry.example.com/ui:1.0.0");

    String rollbackId = "rb-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.rollbackOf(rollbackId, upgradeId, platform, failed.history()),
        "planner",
        null);
    lockstep.await(rollbackId, RollbackCompleted.class);
    assertThat(imageOf("metis")).isEqualTo("registry.example.com/metis:1.0.0");
  }
}
