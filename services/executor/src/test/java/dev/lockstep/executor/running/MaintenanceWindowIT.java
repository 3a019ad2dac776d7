package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.ClusterOperation;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An upgrade whose maintenance window has not opened waits for it before it touches anything; one
 * whose window closes while it runs starts no further wave until it is rescheduled.
 */
class MaintenanceWindowIT {
  @Test
  void anUpgradeStartsNoEarlierThanItsWindow() {
    String platform = "window-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture = TestingExecutorFixture.forPlatform(platform).start()) {
      SimulatedCluster cluster = fixture.cluster();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      deploy(fixture.setup(), "metis");
      ApplicationContext executor = fixture.startExecutor();
      try {
        String upgradeId = "up-" + UUID.randomUUID();
        Instant opens = Instant.now().plusSeconds(3);
        Plan windowed =
            TestingPlans.withWindow(
                plan(upgradeId, platform, setImageWave(0, "metis", List.of())),
                new Window(opens, opens.plus(Duration.ofHours(1))));

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

  @Test
  void noWaveStartsAfterTheWindowClosedUntilTheUpgradeIsRescheduled() {
    String platform = "window-closes-" + UUID.randomUUID();
    // wave 0's gate answers after 3 s; the window closes 2 s after the plan: wave 1 must wait
    try (TestingExecutorFixture fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofSeconds(3)).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      deploy(setup, "metis");
      deploy(setup, "poros");
      ApplicationContext executor = fixture.startExecutor();
      try {
        String upgradeId = "up-" + UUID.randomUUID();
        Plan plan =
            plan(
                upgradeId,
                platform,
                setImageWave(0, "metis", List.of(TestingPlans.gate("health"))),
                setImageWave(1, "poros", List.of()));
        Instant closes = Instant.now().plusSeconds(2);
        fixture.publishPlan(
            TestingPlans.withWindow(plan, new Window(null, closes)),
            "release-bot",
            "closes during wave 0");

        UpgradeWindowClosed closed = lockstep.await(upgradeId, UpgradeWindowClosed.class);
        assertThat(closed.wave()).isEqualTo(1);
        assertThat(closed.notAfter()).isEqualTo(closes);
        assertThat(cluster.operations().byCodeUnderTest())
            .as("nothing of wave 1 written on the cluster")
            .noneMatch(op -> writes(op, "poros"));
        assertThat(lockstep.events(upgradeId, UpgradeCompleted.class)).isEmpty();

        Instant reopens = Instant.now().plusSeconds(2);
        lockstep.publish(
            upgradeId,
            new UpgradeRescheduled(
                upgradeId, platform, new Window(reopens, reopens.plus(Duration.ofHours(1)))));
        lockstep.await(upgradeId, UpgradeCompleted.class);

        assertThat(cluster.operations().byCodeUnderTest())
            .filteredOn(op -> writes(op, "poros"))
            .isNotEmpty()
            .allSatisfy(op -> assertThat(op.time()).isAfterOrEqualTo(reopens));
        assertThat(
                setup
                    .apps()
                    .deployments()
                    .inNamespace("core")
                    .withName("poros")
                    .get()
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getImage())
            .isEqualTo("registry.example.com/poros:2.0.0");
      } finally {
        executor.close();
      }
    }
  }

  private static void deploy(KubernetesClient setup, String name) {
    TestingWorkloads.deployment(setup, "core", name, "registry.example.com/" + name + ":1.0.0", 1);
  }

  private static Plan plan(String upgradeId, String platform, Wave... waves) {
    return TestingPlans.plan(upgradeId, platform, PlanMode.UPGRADE, null, List.of(waves));
  }

  /** A wave that sets the image of one Deployment in {@code core} from 1.0.0 to 2.0.0. */
  private static Wave setImageWave(int index, String name, List<PlannedGate> gates) {
    return new Wave(
        index,
        "core",
        List.of(
            TestingPlans.setImage(
                "s-" + index + "-1",
                name,
                new WorkloadRef("Deployment", "core", name, null),
                "registry.example.com/" + name + ":2.0.0",
                "1.0.0",
                "2.0.0")),
        gates);
  }

  private static boolean writes(ClusterOperation op, String name) {
    return name.equals(op.name()) && !op.method().equals("GET");
  }
}
