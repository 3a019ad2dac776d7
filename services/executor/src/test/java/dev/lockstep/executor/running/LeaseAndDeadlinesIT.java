package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.ClusterOperation;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The executor's fence and deadlines: a platform's work stops the moment its Lease is lost and
 * resumes, without repeating a change, once it holds the Lease again; a gate verdict or an approval
 * that never comes is asked for once more, then fails the upgrade closed.
 */
class LeaseAndDeadlinesIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final String platform = "fence-" + UUID.randomUUID();
  private final WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", null);
  private TestingExecutorFixture fixture;
  private TestingPlannerAndValidator lockstep;
  private KubernetesClient setup;

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofMillis(20)).start();
    lockstep = fixture.lockstep();
    setup = fixture.setup();
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 1);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private void publishPlan(String upgradeId, Wave... waves) {
    fixture.publishPlan(
        TestingPlans.plan(upgradeId, platform, PlanMode.UPGRADE, null, List.of(waves)),
        "alice",
        null);
  }

  private Wave setImageWave(String... gates) {
    return setImageWave(List.of(gates).stream().map(TestingPlans::gate).toList());
  }

  private Wave setImageWave(List<PlannedGate> gates) {
    return new Wave(
        0,
        "core",
        List.of(
            TestingPlans.setImage(
                "s-0-1", "metis", metis, "registry.example.com/metis:2.0.0", "1.0.0", "2.0.0")),
        gates);
  }

  /** Makes an intruder the Lease's holder; false when the Lease changed since it was read. */
  private boolean stealLease() {
    Lease stolen = lease();
    stolen.getSpec().setHolderIdentity("intruder");
    stolen.getSpec().setLeaseDurationSeconds(4);
    stolen.getSpec().setRenewTime(ZonedDateTime.now());
    try {
      setup.leases().inNamespace("lockstep").resource(stolen).update();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  private Lease lease() {
    return setup
        .leases()
        .inNamespace("lockstep")
        .withName(PlatformLeases.leaseName(platform))
        .get();
  }

  @Test
  void aLostLeaseStopsThePlatformsWorkAtOnceAndItResumesWithoutRepeatingAChange() {
    SimulatedCluster cluster = fixture.cluster();
    cluster.kubelet().rolloutDelay(Duration.ofSeconds(3)).timeScale(Duration.ofMillis(20));
    ApplicationContext executor = fixture.startExecutor();
    SagaRunner runner = executor.getBean(SagaRunner.class);
    Eventually.until(
        "the executor owns the platform", WAIT, () -> runner.ownedPlatforms().contains(platform));
    String actor = "executor/" + runner.identity();
    String upgradeId = "up-" + UUID.randomUUID();
    publishPlan(upgradeId, setImageWave());
    lockstep.await(upgradeId, StepStarted.class);
    Eventually.until(
        WAIT,
        Eventually.POLL,
        () ->
            cluster.operations().query().byCodeUnderTest().actor(actor).method("PUT").count() == 1,
        () -> "the image is not set by " + actor + ": " + cluster.operations().byCodeUnderTest());

    // Another instance takes the Lease (as one would after this instance froze past it), read again
    // when the executor renewed it between the read and the update.
    Eventually.until("the intruder takes the Lease", WAIT, this::stealLease);

    Eventually.until(
        "the executor gives the platform up",
        WAIT,
        () -> !runner.ownedPlatforms().contains(platform));
    Instant stopped = Instant.now();
    // the rollout's wait notices at its next poll
    Eventually.until("the rollout's wait gives up", WAIT, () -> runner.abandonedSteps() >= 1);

    // The intruder never renews: after its lease duration the executor takes the Lease back.
    Eventually.until(
        "the executor holds the Lease again",
        WAIT,
        () -> runner.identity().equals(lease().getSpec().getHolderIdentity()));
    // When the API server took the executor's write of the Lease back: the executor may act at once
    // after it, before this test's next read of the Lease sees the new holder.
    Instant retaken =
        cluster.operations().query().leases().method("PUT").actor(actor).succeeded().list().stream()
            .map(ClusterOperation::time)
            .filter(time -> time.isAfter(stopped))
            .min(Comparator.naturalOrder())
            .orElseThrow();
    assertThat(lease().getSpec().getLeaseTransitions()).isGreaterThanOrEqualTo(1);
    assertThat(Duration.between(stopped, retaken))
        .as("nobody acts while the intruder's Lease runs")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));

    List<ClusterOperation> whileStolen =
        cluster.operations().query().byCodeUnderTest().actor(actor).list().stream()
            .filter(op -> op.time().isAfter(stopped) && op.time().isBefore(retaken))
            .toList();
    assertThat(whileStolen).as("no cluster write without the Lease").isEmpty();
    List<EventEnvelope> publishedWhileStolen =
        lockstep.events().stream()
            .filter(e -> e.source().toString().endsWith(":executor"))
            .filter(e -> e.time().isAfter(stopped) && e.time().isBefore(retaken))
            .toList();
    assertThat(publishedWhileStolen).as("nothing published without the Lease").isEmpty();

    lockstep.await(upgradeId, UpgradeCompleted.class);
    assertThat(lockstep.events(upgradeId, StepSucceeded.class)).hasSize(1);
    assertThat(cluster.operations().query().byCodeUnderTest().method("PUT").succeeded().count())
        .as("the image was set once: the resumed step found its change done")
        .isEqualTo(1);
    assertThat(cluster.operations().query().leases().method("PUT").count())
        .as("the Lease was renewed")
        .isGreaterThan(2);
    assertThat(cluster.operations().query().actor(actor).list())
        .as("the executor names itself in its requests")
        .isNotEmpty();
    assertThat(Platforms.ACTOR_HEADER).isEqualTo("X-Lockstep-Actor");
    executor.close();
  }

  @Test
  void aGateVerdictThatNeverComesIsAskedForAgainThenFailsTheUpgradeClosed() {
    lockstep.silence("w0-health", Integer.MAX_VALUE);
    fixture.startExecutor(
        Map.of(
            "lockstep.executor.gate-verdict-timeout", "1s",
            "lockstep.executor.gate-verdict-grace", "0s"));
    String upgradeId = "up-" + UUID.randomUUID();
    publishPlan(upgradeId, setImageWave("health"));

    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);
    assertThat(failed.reason()).contains("w0-health").contains("no verdict");
    assertThat(failed.failedGateId()).isEqualTo("w0-health");
    List<EventEnvelope> asks =
        lockstep.events().stream().filter(e -> e.data() instanceof GateRequested).toList();
    assertThat(asks).as("asked once, then once more").hasSize(2);
    assertThat(asks.get(0).id()).isNotEqualTo(asks.get(1).id());
    assertThat(failed.history()).as("what it changed is there to roll back").hasSize(1);
  }

  @Test
  void aGateAnsweredOnlyWhenAskedAgainLetsTheUpgradeComplete() {
    lockstep.silence("w0-health", 1);
    fixture.startExecutor(
        Map.of(
            "lockstep.executor.gate-verdict-timeout", "1s",
            "lockstep.executor.gate-verdict-grace", "0s"));
    String upgradeId = "up-" + UUID.randomUUID();
    publishPlan(upgradeId, setImageWave("health"));

    lockstep.await(upgradeId, UpgradeCompleted.class);
    assertThat(lockstep.events(upgradeId, GateRequested.class)).hasSize(2);
    assertThat(lockstep.events(upgradeId, GatePassed.class)).hasSize(1);
  }

  @Test
  void anApprovalNobodyGivesIsAskedForAgainThenFailsItsStep() {
    fixture.startExecutor(Map.of("lockstep.executor.approval-timeout", "1s"));
    String upgradeId = "up-" + UUID.randomUUID();
    publishPlan(
        upgradeId,
        setImageWave(),
        new Wave(1, "core", List.of(TestingPlans.approve("s-1-1", "metis")), List.of()));

    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);
    assertThat(lockstep.events(upgradeId, ApprovalRequested.class)).hasSize(2);
    StepFailed stepFailed = lockstep.await(upgradeId, StepFailed.class);
    assertThat(stepFailed.stepId()).isEqualTo("s-1-1");
    assertThat(stepFailed.reason()).contains("no approval within PT1S");
    assertThat(failed.failedStepId()).isEqualTo("s-1-1");
  }

  @Test
  void anApprovalGateNotApprovedWithinItsTimeoutFailsTheUpgrade() {
    fixture.startExecutor();
    String upgradeId = "up-" + UUID.randomUUID();
    publishPlan(upgradeId, setImageWave(List.of(TestingPlans.approvalGate("sign-off", "1s"))));

    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);
    assertThat(failed.failedGateId()).isEqualTo("w0-sign-off");
    assertThat(failed.reason()).contains("not approved within PT1S");
    assertThat(lockstep.events(upgradeId, ApprovalRequested.class))
        .as("asked once: the timeout is the whole wait")
        .hasSize(1);
    assertThat(failed.history()).as("what it changed is there to roll back").hasSize(1);
  }
}
