package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The executor stopped abruptly at several points of a step (between intent and act, during the
 * wait, after acting but before its event) and started again: the upgrade ends as it would have
 * without the crash, each step succeeds once, and the operation log shows every mutation once.
 */
class ExecutorCrashResumeIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @ParameterizedTest(name = "crash at {0} of {1}")
  @CsvSource({
    "before-act, s-0-3",
    "during-wait, s-0-3",
    "before-result, s-0-3",
    "during-wait, s-0-2",
    "before-result, s-0-1",
    "before-result, s-0-4"
  })
  void anUpgradeResumedAfterACrashEndsAsWithoutItWithEachMutationOnce(String point, String stepId)
      throws Exception {
    String platform = "crash-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofMillis(20)).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:2.3.1", 2);
      TestingWorkloads.statefulSet(
          setup, "core", "metis-operator", "registry.example.com/op:1", 2, null);
      WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", "metis");
      List<ObjectRef> operator = List.of(ObjectRef.of("StatefulSet", "core", "metis-operator"));
      String upgradeId = "up-" + UUID.randomUUID();
      fixture.publishPlan(
          TestingPlans.plan(
              upgradeId,
              platform,
              PlanMode.UPGRADE,
              null,
              List.of(
                  new Wave(
                      0,
                      "core-kernel",
                      List.of(
                          TestingPlans.drain("s-0-1", "metis", operator),
                          TestingPlans.migrate(
                              "s-0-2", "metis", metis, "registry.example.com/metis-migrate:2.4.0"),
                          TestingPlans.setImage(
                              "s-0-3",
                              "metis",
                              metis,
                              "registry.example.com/metis:2.4.0",
                              "2.3.1",
                              "2.4.0"),
                          TestingPlans.restoreReplicas("s-0-4", "metis", operator)),
                      List.of(TestingPlans.gate("metis-health"))))),
          "release-bot",
          null);

      ApplicationContext first = fixture.startExecutorCrashingAt(point + ":" + stepId);
      try {
        TestingCrashPoints crashPoints = first.getBean(TestingCrashPoints.class);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!crashPoints.crashed() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(crashPoints.crashed()).as("the executor reached the crash point").isTrue();
      } finally {
        first.close();
      }
      assertThat(lockstep.events(upgradeId, UpgradeCompleted.class)).isEmpty();

      ApplicationContext second = fixture.startExecutor();
      try {
        lockstep.await(upgradeId, UpgradeCompleted.class);
      } finally {
        second.close();
      }

      assertThat(lockstep.events(upgradeId, UpgradeStarted.class)).hasSize(1);
      List<StepSucceeded> succeeded = lockstep.events(upgradeId, StepSucceeded.class);
      assertThat(succeeded)
          .extracting(StepSucceeded::stepId)
          .containsExactly("s-0-1", "s-0-2", "s-0-3", "s-0-4");
      List<StepStarted> attempts =
          lockstep.events(upgradeId, StepStarted.class).stream()
              .filter(s -> s.stepId().equals(stepId))
              .toList();
      assertThat(attempts).extracting(StepStarted::attempt).containsExactly(1, 2);
      assertThat(attempts.get(0).before()).as("the intent records the before-states").isNotEmpty();
      assertThat(attempts.get(1).before())
          .as("the re-run carries the intent of the first attempt, not what it finds now")
          .isEqualTo(attempts.get(0).before());
      assertThat(succeeded)
          .filteredOn(s -> s.stepId().equals(stepId))
          .singleElement()
          .satisfies(s -> assertThat(s.before()).isEqualTo(attempts.get(0).before()));
      ObjectState metisBefore = succeeded.get(2).before().get(0);
      assertThat(metisBefore.images()).containsEntry("metis", "registry.example.com/metis:2.3.1");
      assertThat(metisBefore.replicas()).isEqualTo(2);
      assertThat(succeeded.get(0).before().get(0).replicas()).isEqualTo(2);

      var mine = cluster.operations().query().byCodeUnderTest().succeeded().mainResource();
      assertThat(mine.method("PUT").kind("Deployment").name("metis").count()).isEqualTo(1);
      assertThat(mine.method("POST").kind("Job").count()).isEqualTo(1);
      assertThat(mine.method("PUT").kind("StatefulSet").name("metis-operator").count())
          .as("drained once, restored once")
          .isEqualTo(2);
      assertThat(
              setup
                  .apps()
                  .deployments()
                  .inNamespace("core")
                  .withName("metis")
                  .get()
                  .getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .getImage())
          .isEqualTo("registry.example.com/metis:2.4.0");
      assertThat(
              setup
                  .apps()
                  .statefulSets()
                  .inNamespace("core")
                  .withName("metis-operator")
                  .get()
                  .getSpec()
                  .getReplicas())
          .isEqualTo(2);
    }
  }
}
