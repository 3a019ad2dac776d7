package dev.lockstep.executor.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The apply and patch-resource operations against the simulated cluster and its operator: a bundle
 * is created or replaced with the Lockstep marks and an object the new bundle drops is deleted; run
 * again, nothing is written twice; a rollback's apply puts every object back as recorded; a custom
 * resource is patched and waited on until its status reports the new version, or fails past its
 * timeout naming the fields; a set path that does not exist, a Secret or a foreign namespace fail
 * the step without a write.
 */
class BundleAndCustomResourceStepsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NS = "core";

  private SimulatedCluster cluster;
  private SimulatedOperator operator;
  private KubernetesClient setup;
  private ClusterSteps steps;

  @BeforeEach
  void start() {
    cluster = new SimulatedCluster().start();
    setup = cluster.newClient("simulated-test-setup");
    operator = new SimulatedOperator(cluster);
    steps =
        new ClusterSteps(
            cluster.newClient("executor"),
            Set.of(NS),
            new ClusterTimings(WAIT, Duration.ZERO, WAIT, WAIT));
  }

  @AfterEach
  void stop() {
    operator.close();
    setup.close();
    cluster.close();
  }

  private static Progress waitFor(Applied applied) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Progress progress = applied.check().poll(Instant.now());
    while (progress.state() == Progress.State.WAITING && System.nanoTime() < deadline) {
      Thread.sleep(20);
      progress = applied.check().poll(Clock.systemUTC().instant());
    }
    return progress;
  }

  /** Reads the before-states as the intent would, then acts with them. */
  private Applied run(String upgradeId, PlanStep step) {
    List<ObjectState> intent =
        steps.readBefore(new StepContext("p", upgradeId, step, List.of(), List.of()));
    return steps.apply(new StepContext("p", upgradeId, step, List.of(), intent), Instant.now());
  }

  @Test
  void aBundleIsAppliedWithTheMarksAndTheObjectItDropsIsDeleted() throws Exception {
    configMap("metis-config", Map.of("mode", "v1"));
    configMap("metis-legacy", Map.of("old", "yes"));
    TestingWorkloads.deployment(setup, NS, "metis", "registry.example.com/metis:1.0.0", 1);
    PlanStep apply = bundleStep();

    List<ObjectState> intent =
        steps.readBefore(new StepContext("p", "u-1", apply, List.of(), List.of()));
    Applied applied =
        steps.apply(new StepContext("p", "u-1", apply, List.of(), intent), Instant.now());

    assertThat(waitFor(applied).state()).isEqualTo(Progress.State.DONE);
    assertThat(applied.before()).isEqualTo(intent);
    assertThat(intent)
        .extracting(ObjectState::name, ObjectState::exists)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("metis-config", true),
            org.assertj.core.groups.Tuple.tuple("metis", false),
            org.assertj.core.groups.Tuple.tuple("metis", true),
            org.assertj.core.groups.Tuple.tuple("metis-legacy", true));
    assertThat(intent.get(0).manifest()).containsEntry("data", Map.of("mode", "v1"));
    assertThat(intent.get(1).kind()).isEqualTo("Service");
    assertThat(intent.get(3).manifest()).containsEntry("data", Map.of("old", "yes"));

    ConfigMap config = setup.configMaps().inNamespace(NS).withName("metis-config").get();
    assertThat(config.getData()).containsEntry("mode", "v2");
    assertThat(config.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.UPGRADE_ID, "u-1")
        .containsEntry(LockstepAnnotations.STEP_ID, "s-0-1")
        .containsEntry(LockstepAnnotations.VERSION, "2.0.0")
        .containsEntry(LockstepAnnotations.COMPONENT, "metis")
        .containsKey(LockstepAnnotations.BEFORE_STATE);
    assertThat(setup.services().inNamespace(NS).withName("metis").get().getSpec().getPorts())
        .singleElement()
        .satisfies(port -> assertThat(port.getPort()).isEqualTo(8080));
    Deployment metis = setup.apps().deployments().inNamespace(NS).withName("metis").get();
    assertThat(metis.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/metis:2.0.0");
    assertThat(metis.getStatus().getReadyReplicas()).as("rolled out").isEqualTo(2);
    assertThat(setup.configMaps().inNamespace(NS).withName("metis-legacy").get()).isNull();

    Applied again =
        steps.apply(new StepContext("p", "u-1", apply, List.of(), intent), Instant.now());
    assertThat(waitFor(again).state()).isEqualTo(Progress.State.DONE);
    assertThat(again.before()).isEqualTo(intent);
    var mine = cluster.operations().query().byCodeUnderTest().succeeded();
    assertThat(mine.method("POST").kind("Service").count()).isEqualTo(1);
    assertThat(mine.method("PUT").kind("ConfigMap").count()).isEqualTo(1);
    assertThat(mine.method("PUT").kind("Deployment").count()).isEqualTo(1);
    assertThat(mine.method("DELETE").count()).isEqualTo(1);
  }

  @Test
  void aRollbackApplyPutsEveryObjectBackAsRecorded() throws Exception {
    configMap("metis-config", Map.of("mode", "v1"));
    configMap("metis-legacy", Map.of("old", "yes"));
    TestingWorkloads.deployment(setup, NS, "metis", "registry.example.com/metis:1.0.0", 1);
    Applied upgrade = run("u-2", bundleStep());
    assertThat(waitFor(upgrade).state()).isEqualTo(Progress.State.DONE);

    PlanStep back =
        new PlanStep(
            "r-0-1",
            "metis",
            StepAction.APPLY,
            "2.0.0",
            "1.0.0",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            upgrade.before(),
            null);
    Applied rollback = run("rb-2", back);

    assertThat(waitFor(rollback).state()).isEqualTo(Progress.State.DONE);
    assertThat(setup.configMaps().inNamespace(NS).withName("metis-config").get().getData())
        .isEqualTo(Map.of("mode", "v1"));
    ConfigMap legacy = setup.configMaps().inNamespace(NS).withName("metis-legacy").get();
    assertThat(legacy).as("re-created").isNotNull();
    assertThat(legacy.getData()).isEqualTo(Map.of("old", "yes"));
    assertThat(legacy.getMetadata().getLabels()).containsEntry("app", "metis-legacy");
    assertThat(setup.services().inNamespace(NS).withName("metis").get())
        .as("created by the upgrade, so deleted")
        .isNull();
    Deployment metis = setup.apps().deployments().inNamespace(NS).withName("metis").get();
    assertThat(metis.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/metis:1.0.0");
    assertThat(metis.getSpec().getReplicas()).isEqualTo(1);
    assertThat(metis.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.UPGRADE_ID, "rb-2")
        .containsEntry(LockstepAnnotations.VERSION, "1.0.0");
    assertThat(rollback.before())
        .extracting(ObjectState::name, ObjectState::exists)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("metis-config", true),
            org.assertj.core.groups.Tuple.tuple("metis", true),
            org.assertj.core.groups.Tuple.tuple("metis", true),
            org.assertj.core.groups.Tuple.tuple("metis-legacy", false));
  }

  @Test
  void aStepKilledBetweenItsWritesWritesEachObjectOnceWhenRunAgain() throws Exception {
    configMap("metis-config", Map.of("mode", "v1"));
    configMap("metis-legacy", Map.of("old", "yes"));
    TestingWorkloads.deployment(setup, NS, "metis", "registry.example.com/metis:1.0.0", 1);
    PlanStep apply = bundleStep();
    List<ObjectState> intent =
        steps.readBefore(new StepContext("p", "u-3", apply, List.of(), List.of()));
    StepContext context = new StepContext("p", "u-3", apply, List.of(), intent);
    ClusterSteps dying =
        new ClusterSteps(
            cluster.newClient("executor"),
            Set.of(NS),
            new ClusterTimings(WAIT, Duration.ZERO, WAIT, WAIT),
            stepId -> {
              throw new IllegalStateException("killed after the first write of " + stepId);
            });

    assertThatThrownBy(() -> dying.apply(context, Instant.now()))
        .hasMessageContaining("killed after the first write");
    assertThat(setup.configMaps().inNamespace(NS).withName("metis-config").get().getData())
        .containsEntry("mode", "v2");
    assertThat(setup.services().inNamespace(NS).withName("metis").get()).isNull();
    Applied again = steps.apply(context, Instant.now());

    assertThat(waitFor(again).state()).isEqualTo(Progress.State.DONE);
    assertThat(again.before()).isEqualTo(intent);
    var mine = cluster.operations().query().byCodeUnderTest().succeeded();
    assertThat(mine.method("PUT").kind("ConfigMap").name("metis-config").count()).isEqualTo(1);
    assertThat(mine.method("POST").kind("Service").count()).isEqualTo(1);
    assertThat(mine.method("PUT").kind("Deployment").count()).isEqualTo(1);
    assertThat(mine.method("DELETE").name("metis-legacy").count()).isEqualTo(1);
  }

  @Test
  void aForeignNamespaceOrASecretFailsTheStepBeforeAnyRequest() {
    PlanStep foreign =
        TestingPlans.apply(
            "s-0-1",
            "metis",
            "1.0.0",
            "2.0.0",
            List.of(
                TestingPlans.configMap(NS, "metis-config", Map.of("mode", "v2")),
                TestingPlans.configMap("kube-system", "sneaky", Map.of("a", "b"))),
            List.of());
    Map<String, Object> secret = TestingPlans.configMap(NS, "metis-token", Map.of("t", "x"));
    secret.put("kind", "Secret");
    PlanStep withSecret =
        TestingPlans.apply("s-0-1", "metis", "1.0.0", "2.0.0", List.of(secret), List.of());
    Map<String, Object> clusterScoped = TestingPlans.configMap(NS, "reader", Map.of());
    clusterScoped.put("kind", "ClusterRole");
    clusterScoped.put("apiVersion", "rbac.authorization.k8s.io/v1");
    ((Map<?, ?>) clusterScoped.get("metadata")).remove("namespace");
    PlanStep withClusterRole =
        TestingPlans.apply("s-0-1", "metis", "1.0.0", "2.0.0", List.of(clusterScoped), List.of());

    StepContext one = new StepContext("p", "u-4", foreign, List.of(), List.of());
    assertThatThrownBy(() -> steps.readBefore(one))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("namespace kube-system is not allowed");
    assertThatThrownBy(() -> steps.apply(one, Instant.now()))
        .hasMessageContaining("namespace kube-system is not allowed");
    assertThatThrownBy(
            () ->
                steps.apply(
                    new StepContext("p", "u-4", withSecret, List.of(), List.of()), Instant.now()))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("Secret core/metis-token")
        .hasMessageContaining("nothing was changed");
    assertThatThrownBy(
            () ->
                steps.apply(
                    new StepContext("p", "u-4", withClusterRole, List.of(), List.of()),
                    Instant.now()))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("ClusterRole reader without a namespace");
    assertThat(cluster.operations().byCodeUnderTest()).isEmpty();
  }

  @Test
  void aCustomResourceIsPatchedAndWaitedOnUntilItsStatusReportsTheNewVersion() throws Exception {
    cluster.kubelet().jobDuration(Duration.ofMillis(300));
    operator.start();
    createRok("1.0.0");
    awaitRokStatus("1.0.0");
    PlanStep patch =
        TestingPlans.patchResource(
            "s-0-2", "rok", "1.0.0", "2.0.0", TestingPlans.rokCluster(NS, "rok", "2.0.0", "30s"));

    Applied applied = run("u-5", patch);

    Progress first = applied.check().poll(Instant.now());
    assertThat(first.state())
        .as("the operator has not finished yet")
        .isEqualTo(Progress.State.WAITING);
    assertThat(first.reason()).contains("status.version is 1.0.0 (want 2.0.0)");
    assertThat(waitFor(applied).state()).isEqualTo(Progress.State.DONE);
    GenericKubernetesResource rok = rok().get();
    assertThat(field(rok, "status", "version")).isEqualTo("2.0.0");
    assertThat(field(rok, "status", "health")).isEqualTo("OK");
    assertThat(field(rok, "spec", "version")).isEqualTo("2.0.0");
    assertThat(field(rok, "spec", "nodes")).as("untouched").isEqualTo(3);
    assertThat(rok.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.STEP_ID, "s-0-2")
        .containsEntry(LockstepAnnotations.VERSION, "2.0.0");
    ObjectState before = applied.before().get(0);
    assertThat(before.kind()).isEqualTo("RokCluster");
    assertThat(before.manifest()).containsKey("spec");
    assertThat(((Map<?, ?>) before.manifest().get("spec")).get("version")).isEqualTo("1.0.0");
    assertThat(((Map<?, ?>) before.manifest().get("status")).get("version"))
        .as("what the operator reported for the old version, for the rollback to wait on")
        .isEqualTo("1.0.0");
    assertThat(cluster.operations().query().byCodeUnderTest().kind("RokCluster").count())
        .as("one write of the resource")
        .isEqualTo(1);

    PlanStep back =
        new PlanStep(
            "r-0-1",
            "rok",
            StepAction.PATCH_RESOURCE,
            "2.0.0",
            "1.0.0",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new CustomResource(
                "data.example.com/v1",
                "RokCluster",
                NS,
                "rok",
                Map.of(),
                Map.of("status.version", "1.0.0", "status.conditions.Ready", "True"),
                "30s"),
            applied.before(),
            null);
    Applied rollback = run("rb-5", back);

    assertThat(waitFor(rollback).state()).isEqualTo(Progress.State.DONE);
    GenericKubernetesResource restored = rok().get();
    assertThat(restored.getAdditionalProperties().get("spec"))
        .isEqualTo(before.manifest().get("spec"));
    assertThat(field(restored, "status", "version")).isEqualTo("1.0.0");
  }

  @Test
  void aCustomResourceTheOperatorNeverMovesFailsPastItsTimeoutNamingTheFields() throws Exception {
    SimulatedOperator.installDefinition(setup);
    createRok("1.0.0");
    rok()
        .editStatus(
            r -> {
              r.getAdditionalProperties().put("status", Map.of("version", "1.0.0", "health", "OK"));
              return r;
            });
    PlanStep patch =
        TestingPlans.patchResource(
            "s-0-2", "rok", "1.0.0", "2.0.0", TestingPlans.rokCluster(NS, "rok", "2.0.0", "300ms"));

    Applied applied = run("u-6", patch);
    Progress progress = waitFor(applied);

    assertThat(progress.state()).isEqualTo(Progress.State.FAILED);
    assertThat(progress.reason())
        .contains("RokCluster core/rok was not ready within 300ms")
        .contains("status.version is 1.0.0 (want 2.0.0)")
        .contains("status.health is OK");
    assertThat(field(rok().get(), "spec", "version")).as("the patch was made").isEqualTo("2.0.0");
  }

  @Test
  void aFaultyVersionTimesOutWithTheHealthTheOperatorReports() throws Exception {
    operator.markFaulty("2.0.0").start();
    createRok("1.0.0");
    awaitRokStatus("1.0.0");
    PlanStep patch =
        TestingPlans.patchResource(
            "s-0-2", "rok", "1.0.0", "2.0.0", TestingPlans.rokCluster(NS, "rok", "2.0.0", "1s"));

    Progress progress = waitFor(run("u-7", patch));

    assertThat(progress.state()).isEqualTo(Progress.State.FAILED);
    assertThat(progress.reason())
        .contains("status.version is 1.0.0 (want 2.0.0)")
        .contains("status.health is Failed (want OK)");
  }

  @Test
  void aSetPathThatDoesNotExistFailsTheStepWithoutAWrite() {
    SimulatedOperator.installDefinition(setup);
    createRok("1.0.0");
    PlanStep patch =
        TestingPlans.patchResource(
            "s-0-2",
            "rok",
            "1.0.0",
            "2.0.0",
            new CustomResource(
                "data.example.com/v1",
                "RokCluster",
                NS,
                "rok",
                Map.of("spec.verison", "2.0.0", "spec.version", "2.0.0"),
                Map.of("status.version", "2.0.0"),
                "1m"));

    assertThatThrownBy(() -> run("u-8", patch))
        .isInstanceOf(StepFailure.class)
        .hasMessageContaining("RokCluster core/rok has no field spec.verison")
        .hasMessageContaining("there: nodes, storage, version")
        .hasMessageContaining("nothing was changed");
    assertThat(cluster.operations().query().byCodeUnderTest().method("PUT", "PATCH").count())
        .isZero();
    assertThat(field(rok().get(), "spec", "version")).isEqualTo("1.0.0");
  }

  private PlanStep bundleStep() {
    return TestingPlans.apply(
        "s-0-1",
        "metis",
        "1.0.0",
        "2.0.0",
        List.of(
            TestingPlans.configMap(NS, "metis-config", Map.of("mode", "v2")),
            TestingPlans.service(NS, "metis", 8080),
            TestingPlans.deployment(NS, "metis", "registry.example.com/metis:2.0.0", 2)),
        List.of(new ObjectRef("v1", "ConfigMap", NS, "metis-legacy")));
  }

  private void configMap(String name, Map<String, String> data) {
    setup
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(Map.of("app", name))
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  private void createRok(String version) {
    rok().create(SimulatedOperator.rokCluster(NS, "rok", version));
  }

  private void awaitRokStatus(String version) {
    rok()
        .waitUntilCondition(
            r -> r != null && version.equals(field(r, "status", "version")),
            10,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  private Resource<GenericKubernetesResource> rok() {
    return setup
        .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
        .inNamespace(NS)
        .withName("rok");
  }

  private static Object field(GenericKubernetesResource object, String top, String key) {
    Object value = object.getAdditionalProperties().get(top);
    return value instanceof Map<?, ?> map ? map.get(key) : null;
  }
}
