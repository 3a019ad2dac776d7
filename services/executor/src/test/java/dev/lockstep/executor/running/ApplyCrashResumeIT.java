package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The executor killed at each crash point of an apply step (before it acts, between two of its
 * writes, during its rollout wait, before its result) and of a patch-resource step, then started
 * again: the upgrade completes as without the crash, the result carries the before-states of the
 * first intent, and the operation log shows every mutation once.
 */
class ApplyCrashResumeIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final String NS = "core";

  @ParameterizedTest(name = "crash at {0} of {1}")
  @CsvSource({
    "before-act, s-0-1",
    "mid-act, s-0-1",
    "during-wait, s-0-1",
    "before-result, s-0-1",
    "before-act, s-0-2",
    "during-wait, s-0-2",
    "before-result, s-0-2"
  })
  void anApplyOrPatchResumedAfterACrashMakesEachChangeOnce(String point, String stepId)
      throws Exception {
    String platform = "apply-crash-" + UUID.randomUUID();
    try (TestingExecutorFixture fixture =
        TestingExecutorFixture.forPlatform(platform)
            .verdictDelay(Duration.ofMillis(20))
            .operator()
            .start()) {
      SimulatedCluster cluster = fixture.cluster();
      SimulatedOperator operator = fixture.operator();
      KubernetesClient setup = fixture.setup();
      TestingPlannerAndValidator lockstep = fixture.lockstep();
      operator.start();
      configMap(setup, "metis-config", Map.of("mode", "v1"));
      configMap(setup, "metis-legacy", Map.of("old", "yes"));
      TestingWorkloads.deployment(setup, NS, "metis", "registry.example.com/metis:1.0.0", 1);
      var rok =
          setup
              .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
              .inNamespace(NS)
              .withName("rok");
      rok.create(SimulatedOperator.rokCluster(NS, "rok", "1.0.0"));
      rok.waitUntilCondition(r -> "1.0.0".equals(status(r, "version")), 10, TimeUnit.SECONDS);
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
                          TestingPlans.apply(
                              "s-0-1",
                              "metis",
                              "1.0.0",
                              "2.0.0",
                              List.of(
                                  TestingPlans.configMap(NS, "metis-config", Map.of("mode", "v2")),
                                  TestingPlans.service(NS, "metis", 8080),
                                  TestingPlans.deployment(
                                      NS, "metis", "registry.example.com/metis:2.0.0", 2)),
                              List.of(new ObjectRef("v1", "ConfigMap", NS, "metis-legacy"))),
                          TestingPlans.patchResource(
                              "s-0-2",
                              "rok",
                              "1.0.0",
                              "2.0.0",
                              TestingPlans.rokCluster(NS, "rok", "2.0.0", "30s"))),
                      List.of(TestingPlans.gate("health"))))),
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

      List<StepSucceeded> succeeded = lockstep.events(upgradeId, StepSucceeded.class);
      assertThat(succeeded)
          .extracting(StepSucceeded::stepId)
          .containsExactlyInAnyOrder("s-0-1", "s-0-2");
      List<StepStarted> attempts =
          lockstep.events(upgradeId, StepStarted.class).stream()
              .filter(s -> s.stepId().equals(stepId))
              .toList();
      assertThat(attempts).extracting(StepStarted::attempt).containsExactly(1, 2);
      assertThat(attempts.get(1).before()).isEqualTo(attempts.get(0).before());
      assertThat(succeeded)
          .filteredOn(s -> s.stepId().equals(stepId))
          .singleElement()
          .satisfies(s -> assertThat(s.before()).isEqualTo(attempts.get(0).before()));
      List<ObjectState> bundleBefore =
          succeeded.stream()
              .filter(s -> s.stepId().equals("s-0-1"))
              .findFirst()
              .orElseThrow()
              .before();
      assertThat(bundleBefore)
          .extracting(ObjectState::kind, ObjectState::exists)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("ConfigMap", true),
              org.assertj.core.groups.Tuple.tuple("Service", false),
              org.assertj.core.groups.Tuple.tuple("Deployment", true),
              org.assertj.core.groups.Tuple.tuple("ConfigMap", true));

      var mine = cluster.operations().query().byCodeUnderTest().succeeded().mainResource();
      assertThat(mine.method("PUT").kind("ConfigMap").name("metis-config").count()).isEqualTo(1);
      assertThat(mine.method("POST").kind("Service").name("metis").count()).isEqualTo(1);
      assertThat(mine.method("PUT").kind("Deployment").name("metis").count()).isEqualTo(1);
      assertThat(mine.method("DELETE").name("metis-legacy").count()).isEqualTo(1);
      assertThat(mine.method("PUT").resource("rokclusters").count()).isEqualTo(1);
      assertThat(
              setup
                  .configMaps()
                  .inNamespace(NS)
                  .withName("metis-config")
                  .get()
                  .getMetadata()
                  .getAnnotations())
          .containsEntry(LockstepAnnotations.UPGRADE_ID, upgradeId);
      assertThat(status(rok.get(), "version")).isEqualTo("2.0.0");
    }
  }

  private static void configMap(KubernetesClient client, String name, Map<String, String> data) {
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  private static Object status(GenericKubernetesResource object, String key) {
    Object status = object == null ? null : object.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> map ? map.get(key) : null;
  }
}
