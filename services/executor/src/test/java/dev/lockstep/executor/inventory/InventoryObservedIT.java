package dev.lockstep.executor.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The executor publishes what runs on its platform when it takes the platform over and after each
 * upgrade: the workloads of the allowed namespaces only, with images, replicas and the Lockstep
 * annotations.
 */
class InventoryObservedIT {
  @Test
  void theInventoryIsPublishedAtStartAndAfterAnUpgrade() {
    String platform = "inventory-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture = TestingExecutorFixture.forPlatform(platform).start()) {
      SimulatedCluster cluster = fixture.cluster();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:2.3.1", 2);
      TestingWorkloads.deployment(
          setup, "kube-system", "coredns", "registry.example.com/coredns:1.11", 1);
      ApplicationContext executor = fixture.startExecutor();
      try {
        InventoryObserved atStart = lockstep.awaitAny(InventoryObserved.class, i -> true);
        assertThat(atStart.components())
            .extracting(InventoryComponent::name)
            .containsExactly("metis");
        InventoryComponent metis = atStart.components().get(0);
        assertThat(metis.version()).isEqualTo("2.3.1");
        ObservedWorkload workload = metis.workloads().get(0);
        assertThat(workload.images()).containsEntry("metis", "registry.example.com/metis:2.3.1");
        assertThat(workload.replicas()).isEqualTo(2);

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
                                "registry.example.com/metis:2.4.0",
                                "2.3.1",
                                "2.4.0")),
                        List.of()))),
            "alice",
            null);
        lockstep.await(upgradeId, UpgradeCompleted.class);

        InventoryObserved after =
            lockstep.awaitAny(
                InventoryObserved.class,
                i -> i.components().stream().anyMatch(c -> c.version().equals("2.4.0")));
        ObservedWorkload upgraded = after.components().get(0).workloads().get(0);
        assertThat(upgraded.images()).containsEntry("metis", "registry.example.com/metis:2.4.0");
        assertThat(upgraded.annotations())
            .containsEntry("lockstep.dev/upgrade-id", upgradeId)
            .containsEntry("lockstep.dev/version", "2.4.0")
            .doesNotContainKey("lockstep.dev/before-state");
      } finally {
        executor.close();
      }
    }
  }

  @Test
  void operatorManagedResourcesOfConfiguredKindsAreInTheInventory() {
    String platform = "inventory-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture =
        TestingExecutorFixture.forPlatform(platform).namespaces("apps").operator().start()) {
      fixture.operator().start();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      GenericKubernetesResource rok = new GenericKubernetesResource();
      rok.setApiVersion(SimulatedOperator.API_VERSION);
      rok.setKind(SimulatedOperator.KIND);
      rok.setMetadata(
          new ObjectMetaBuilder()
              .withNamespace("apps")
              .withName("rok")
              .withAnnotations(
                  Map.of(
                      "lockstep.dev/component", "rok",
                      "lockstep.dev/layer", "user-space",
                      "lockstep.dev/version", "1.4.0"))
              .build());
      rok.setAdditionalProperty("spec", Map.of("version", "1.4.0"));
      setup.resource(rok).create();
      ApplicationContext executor =
          fixture.startExecutor(
              Map.of(
                  "lockstep.platforms." + platform + ".custom-resources",
                  List.of(SimulatedOperator.API_VERSION + "/" + SimulatedOperator.KIND)));
      try {
        InventoryObserved atStart = lockstep.awaitAny(InventoryObserved.class, i -> true);

        assertThat(atStart.components())
            .singleElement()
            .satisfies(
                c -> {
                  assertThat(c.name()).isEqualTo("rok");
                  assertThat(c.layer()).isEqualTo("user-space");
                  assertThat(c.version()).isEqualTo("1.4.0");
                  assertThat(c.workloads())
                      .extracting(ObservedWorkload::kind, ObservedWorkload::name)
                      .containsExactly(org.assertj.core.groups.Tuple.tuple("RokCluster", "rok"));
                });
      } finally {
        executor.close();
      }
    }
  }
}
