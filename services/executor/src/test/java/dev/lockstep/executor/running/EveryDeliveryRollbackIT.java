package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import dev.lockstep.executor.cluster.Resources;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One component delivered each way (an image, a bundle of manifests, a rendered Helm chart, an
 * operator-managed custom resource) upgraded in one wave whose gate fails; the rollback planned
 * from the upgrade's history alone puts every object of every kind back to its before-state:
 * changed objects as they were, objects the upgrade created gone, objects it deleted back, the
 * custom resource's spec back and its operator reporting the old version again. A custom resource
 * whose operator never moves fails its step at its timeout, naming the fields.
 */
class EveryDeliveryRollbackIT {
  private static final String CORE = "core";
  private static final String DATA = "data";

  private final String platform = "every-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private MeterRegistry meters;
  private SimulatedCluster cluster;
  private SimulatedOperator operator;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform)
            .namespaces(CORE, DATA)
            .verdictDelay(Duration.ofMillis(50))
            .operator()
            .start();
    cluster = fixture.cluster();
    setup = fixture.setup();
    operator = fixture.operator();
    lockstep = fixture.lockstep();
    meters = fixture.startExecutor().getBean(MeterRegistry.class);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aFailedGateRollsEveryKindOfDeliveryBackToItsBeforeState() throws Exception {
    operator.start();
    // image: poros
    TestingWorkloads.deployment(setup, CORE, "poros", "registry.example.com/poros:1.9.0", 2);
    // manifests: metis (a ConfigMap changed, a Service added, a ConfigMap dropped, a Deployment)
    configMap(CORE, "metis-config", Map.of("mode", "v1"), Map.of("owner", "metis-team"));
    configMap(CORE, "metis-legacy", Map.of("old", "yes"), Map.of());
    TestingWorkloads.deployment(setup, CORE, "metis", "registry.example.com/metis:1.0.0", 1);
    // helm: the manager chart rendered with new values (its Deployment and values ConfigMap)
    TestingWorkloads.deployment(setup, DATA, "manager", "registry.example.com/manager:3.1.0", 1);
    configMap(DATA, "manager-values", Map.of("replicas", "1", "logLevel", "info"), Map.of());
    // customResource: rok
    rok().create(SimulatedOperator.rokCluster(DATA, "rok", "1.0.0"));
    rok().waitUntilCondition(r -> "1.0.0".equals(status(r, "version")), 10, TimeUnit.SECONDS);

    List<ObjectRef> watched =
        List.of(
            ObjectRef.of("Deployment", CORE, "poros"),
            new ObjectRef("v1", "ConfigMap", CORE, "metis-config"),
            new ObjectRef("v1", "ConfigMap", CORE, "metis-legacy"),
            new ObjectRef("v1", "Service", CORE, "metis"),
            ObjectRef.of("Deployment", CORE, "metis"),
            ObjectRef.of("Deployment", DATA, "manager"),
            new ObjectRef("v1", "ConfigMap", DATA, "manager-values"),
            new ObjectRef("policy/v1", "PodDisruptionBudget", DATA, "manager"),
            new ObjectRef(SimulatedOperator.API_VERSION, SimulatedOperator.KIND, DATA, "rok"));
    Map<ObjectRef, Map<String, Object>> before = snapshot(watched);

    String upgradeId = "up-" + UUID.randomUUID();
    lockstep.failGate("w0-error-rate");
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
                        TestingPlans.setImage(
                            "s-0-1",
                            "poros",
                            new WorkloadRef("Deployment", CORE, "poros", "poros"),
                            "registry.example.com/poros:2.0.0",
                            "1.9.0",
                            "2.0.0"),
                        TestingPlans.apply(
                            "s-0-2",
                            "metis",
                            "1.0.0",
                            "2.0.0",
                            List.of(
                                TestingPlans.configMap(CORE, "metis-config", Map.of("mode", "v2")),
                                TestingPlans.service(CORE, "metis", 8080),
                                TestingPlans.deployment(
                                    CORE, "metis", "registry.example.com/metis:2.0.0", 2)),
                            List.of(new ObjectRef("v1", "ConfigMap", CORE, "metis-legacy"))),
                        TestingPlans.apply(
                            "s-0-3",
                            "manager",
                            "3.1.0",
                            "3.2.0",
                            List.of(
                                TestingPlans.deployment(
                                    DATA, "manager", "registry.example.com/manager:3.2.0", 2),
                                TestingPlans.configMap(
                                    DATA,
                                    "manager-values",
                                    Map.of("replicas", "2", "logLevel", "debug")),
                                pdb(DATA, "manager")),
                            List.of()),
                        TestingPlans.patchResource(
                            "s-0-4",
                            "rok",
                            "1.0.0",
                            "2.0.0",
                            TestingPlans.rokCluster(DATA, "rok", "2.0.0", "30s"))),
                    List.of(TestingPlans.gate("error-rate"))))),
        "release-bot",
        null);

    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);
    assertThat(failed.history())
        .extracting(StepOutcome::action)
        .containsExactlyInAnyOrder(
            StepAction.SET_IMAGE, StepAction.APPLY, StepAction.APPLY, StepAction.PATCH_RESOURCE);
    // The upgrade did take effect before the gate failed.
    assertThat(status(rok().get(), "version")).isEqualTo("2.0.0");
    assertThat(setup.services().inNamespace(CORE).withName("metis").get()).isNotNull();
    assertThat(setup.configMaps().inNamespace(CORE).withName("metis-legacy").get()).isNull();

    String rollbackId = "rb-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.rollbackOf(
            rollbackId,
            upgradeId,
            platform,
            failed.history(),
            Map.of(
                "rok",
                new CustomResource(
                    SimulatedOperator.API_VERSION,
                    SimulatedOperator.KIND,
                    DATA,
                    "rok",
                    Map.of(),
                    Map.of("status.version", "1.0.0", "status.health", "OK"),
                    "30s"))),
        "planner",
        null);
    lockstep.await(rollbackId, RollbackCompleted.class);

    Eventually.until(
        "the completed rollback is counted",
        Duration.ofSeconds(10),
        () -> count("lockstep.rollbacks", "completed") == 1);
    assertThat(count("lockstep.upgrades", "failed")).isEqualTo(1);
    assertThat(meters.get("lockstep.rollback.reaction").timer().count())
        .as("the time from the failed gate to the rollback's start")
        .isEqualTo(1);
    assertThat(
            meters.find("lockstep.step.duration").tag("outcome", "succeeded").timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count)
                .sum())
        .as("the four steps of the upgrade and the four of its rollback")
        .isEqualTo(8);
    assertThat(meters.find("lockstep.upgrade.started.timestamp").gauges())
        .as("no plan runs any more")
        .isEmpty();
    assertThat(snapshot(watched)).isEqualTo(before);
    GenericKubernetesResource rok = rok().get();
    assertThat(status(rok, "version"))
        .as("the operator ran the old version again")
        .isEqualTo("1.0.0");
    assertThat(status(rok, "health")).isEqualTo("OK");
    assertThat(rok.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.UPGRADE_ID, rollbackId);
    assertThat(lockstep.events(rollbackId, StepSucceeded.class)).hasSize(4);
  }

  @Test
  void aCustomResourceWhoseOperatorNeverMovesFailsItsStepAtTheTimeout() {
    SimulatedOperator.installDefinition(setup);
    rok().create(SimulatedOperator.rokCluster(DATA, "rok", "1.0.0"));
    rok()
        .editStatus(
            r -> {
              r.getAdditionalProperties().put("status", Map.of("version", "1.0.0", "health", "OK"));
              return r;
            });
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
                    "user-space",
                    List.of(
                        TestingPlans.patchResource(
                            "s-0-1",
                            "rok",
                            "1.0.0",
                            "2.0.0",
                            TestingPlans.rokCluster(DATA, "rok", "2.0.0", "500ms"))),
                    List.of()))),
        "release-bot",
        null);

    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);

    StepFailed step = lockstep.await(upgradeId, StepFailed.class);
    assertThat(step.reason())
        .contains("RokCluster data/rok was not ready within 500ms")
        .contains("status.version is 1.0.0 (want 2.0.0)")
        .contains("status.health is OK");
    assertThat(failed.history())
        .singleElement()
        .satisfies(
            o -> {
              ObjectState rok = o.before().get(0);
              assertThat(((Map<?, ?>) rok.manifest().get("spec")).get("version"))
                  .as("the history keeps the spec to put back")
                  .isEqualTo("1.0.0");
            });
  }

  private static Map<String, Object> pdb(String namespace, String name) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", "policy/v1");
    object.put("kind", "PodDisruptionBudget");
    object.put("metadata", Map.of("name", name, "namespace", namespace));
    object.put(
        "spec", Map.of("minAvailable", 1, "selector", Map.of("matchLabels", Map.of("app", name))));
    return object;
  }

  /** The executor's count of plans of the platform that ended with the outcome. */
  private double count(String counter, String outcome) {
    var found = meters.find(counter).tags("platform", platform, "outcome", outcome).counter();
    return found == null ? 0 : found.count();
  }

  private void configMap(
      String namespace, String name, Map<String, String> data, Map<String, String> annotations) {
    setup
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(Map.of("app", name))
                .withAnnotations(annotations)
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  /**
   * What a person compares: every object's labels, non-Lockstep annotations and content (spec,
   * data; not the status controllers write), or null for an absent one.
   */
  private Map<ObjectRef, Map<String, Object>> snapshot(List<ObjectRef> refs) {
    Map<ObjectRef, Map<String, Object>> result = new LinkedHashMap<>();
    for (ObjectRef ref : refs) {
      GenericKubernetesResource object =
          setup
              .genericKubernetesResources(Resources.context(ref.apiVersion(), ref.kind()))
              .inNamespace(ref.namespace())
              .withName(ref.name())
              .get();
      if (object == null) {
        result.put(ref, null);
        continue;
      }
      Map<String, Object> essence = new LinkedHashMap<>();
      essence.put("labels", object.getMetadata().getLabels());
      Map<String, String> annotations = new LinkedHashMap<>();
      if (object.getMetadata().getAnnotations() != null) {
        object
            .getMetadata()
            .getAnnotations()
            .forEach(
                (key, value) -> {
                  if (!key.startsWith("lockstep.dev/")) {
                    annotations.put(key, value);
                  }
                });
      }
      essence.put("annotations", annotations);
      object
          .getAdditionalProperties()
          .forEach(
              (key, value) -> {
                if (!key.equals("status")) {
                  essence.put(key, value);
                }
              });
      result.put(ref, essence);
    }
    return result;
  }

  private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> rok() {
    return setup
        .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
        .inNamespace(DATA)
        .withName("rok");
  }

  private static Object status(GenericKubernetesResource object, String key) {
    if (object == null) {
      return null;
    }
    Object status = object.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> map ? map.get(key) : null;
  }
}
