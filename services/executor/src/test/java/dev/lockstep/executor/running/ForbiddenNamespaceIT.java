package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A step that reaches outside the platform's namespaces fails with the reason, and changes nothing.
 */
class ForbiddenNamespaceIT {
  @Test
  void aStepInAForbiddenNamespaceFailsAndNoRequestReachesTheApiServer() {
    String platform = "forbidden-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture = TestingExecutorFixture.forPlatform(platform).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      TestingWorkloads.deployment(
          setup, "kube-system", "coredns", "registry.example.com/coredns:1.0", 1);
      ApplicationContext executor = fixture.startExecutor();
      try {
        String upgradeId = "up-" + UUID.randomUUID();
        WorkloadRef coredns = new WorkloadRef("Deployment", "kube-system", "coredns", null);
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
                                "s-0-1", "coredns", coredns, "evil:1", "1.0", "6.6.6")),
                        List.of()))),
            "mallory",
            null);

        StepFailed failed = lockstep.await(upgradeId, StepFailed.class);
        UpgradeFailed upgradeFailed = lockstep.await(upgradeId, UpgradeFailed.class);

        assertThat(failed.reason())
            .contains("namespace kube-system is not allowed")
            .contains(platform);
        assertThat(failed.before()).isEmpty();
        assertThat(upgradeFailed.history()).isEmpty();
        assertThat(cluster.operations().byCodeUnderTest()).isEmpty();
        assertThat(
                setup
                    .apps()
                    .deployments()
                    .inNamespace("kube-system")
                    .withName("coredns")
                    .get()
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getImage())
            .isEqualTo("registry.example.com/coredns:1.0");
      } finally {
        executor.close();
      }
    }
  }
}
