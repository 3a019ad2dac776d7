package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * An instance that loses a platform's partition stops acting on it at once, even in the middle of a
 * wait; the instance that takes the partition over rebuilds the upgrade from the log and finishes
 * it, without repeating the change.
 */
class OwnershipLossIT {
  @Test
  void anInstanceThatLostOwnershipStopsAndTheNewOwnerFinishesTheUpgrade() throws Exception {
    String platform = "owner-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofMillis(20)).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      // A slow rollout (2 s) well inside the progress deadline (600 s of 20 ms each).
      cluster.kubelet().rolloutDelay(Duration.ofSeconds(2)).timeScale(Duration.ofMillis(20));
      TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 1);
      ApplicationContext executor = fixture.startExecutor();
      try {
        SagaRunner runner = executor.getBean(SagaRunner.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!runner.ownedPlatforms().contains(platform) && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(runner.ownedPlatforms()).contains(platform);
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
                        "core",
                        List.of(
                            TestingPlans.setImage(
                                "s-0-1",
                                "metis",
                                new WorkloadRef("Deployment", "core", "metis", null),
                                "registry.example.com/metis:2.0.0",
                                "1.0.0",
                                "2.0.0")),
                        List.of()))),
            "alice",
            null);
        lockstep.await(upgradeId, StepStarted.class);
        long putDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cluster.operations().query().byCodeUnderTest().method("PUT").succeeded().count() == 0
            && System.nanoTime() < putDeadline) {
          Thread.sleep(10);
        }
        List<TopicPartition> all =
            IntStream.range(0, KafkaBroker.SHARED_TOPIC_PARTITIONS)
                .mapToObj(p -> new TopicPartition(Topics.PLANS, p))
                .toList();

        runner.revoked(all);
        assertThat(runner.ownedPlatforms()).doesNotContain(platform);
        long stopDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (runner.abandonedSteps() == 0 && System.nanoTime() < stopDeadline) {
          Thread.sleep(10);
        }
        assertThat(runner.abandonedSteps()).as("the wait stopped").isEqualTo(1);
        assertThat(lockstep.events(upgradeId, StepSucceeded.class))
            .as("nothing is published for a platform the instance no longer owns")
            .isEmpty();

        runner.assigned(all);
        lockstep.await(upgradeId, UpgradeCompleted.class);
        assertThat(lockstep.events(upgradeId, StepSucceeded.class)).hasSize(1);
        assertThat(cluster.operations().query().byCodeUnderTest().method("PUT").succeeded().count())
            .isEqualTo(1);
      } finally {
        executor.close();
      }
    }
  }
}
