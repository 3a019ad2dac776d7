package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An upgrade whose maintenance window has not opened waits for it before it touches anything. */
class MaintenanceWindowIT {
  @Test
  void anUpgradeStartsNoEarlierThanItsWindow() {
    String platform = "window-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture = TestingExecutorFixture.forPlatform(platform).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:1.0.0", 1);
      ApplicationContext executor = fixture.startExecutor();
      try {
        String upgradeId = "up-" + UUID.randomUUID();
        WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", null);
        Plan plan =
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
                                metis,
                                "registry.example.com/metis:2.0.0",
                                "1.0.0",
                                "2.0.0")),
                        List.of())));
        Instant opens = Instant.now().plusSeconds(3);
        Plan windowed =
            new Plan(
                plan.upgradeId(),
                plan.platform(),
                plan.mode(),
                plan.fromRelease(),
                plan.toRelease(),
                plan.versions(),
                plan.waves(),
                plan.risk(),
                plan.expectedDowntime(),
                new Window(opens, opens.plus(Duration.ofHours(1))),
                null,
                null);

        EventEnvelope published = fixture.publishPlan(windowed, "release-bot", null);
        lockstep.await(upgradeId, UpgradeCompleted.class);

        EventEnvelope started =
            lockstep.events().stream()
                .filter(e -> upgradeId.equals(e.subject()))
                .filter(e -> e.data() instanceof UpgradeStarted)
                .findFirst()
                .orElseThrow();
        assertThat(published.time()).isBefore(opens);
        assertThat(started.time()).as("upgrade.started").isAfterOrEqualTo(opens);
        assertThat(cluster.operations().byCodeUnderTest())
            .allSatisfy(op -> assertThat(op.time()).isAfterOrEqualTo(opens));
      } finally {
        executor.close();
      }
    }
  }
}
