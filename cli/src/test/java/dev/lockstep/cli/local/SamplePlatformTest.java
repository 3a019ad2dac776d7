package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sample platform of docs/examples is what the local mode promises: its release is valid, the
 * simulated cluster seeded from it runs every component of the release at its current version with
 * the annotations the executor's inventory reads, every pod becomes ready, postgres has the claim
 * its backup snapshots, and the failing-gate scenario turns exactly workbench's new version
 * unhealthy.
 */
class SamplePlatformTest {

  /** The versions that run before the upgrade, as docs/examples/sample-platform/README.md says. */
  private static final Map<String, String> CURRENT = new LinkedHashMap<>();

  static {
    CURRENT.put("postgres", "15.3.0");
    CURRENT.put("object-store", "1.4.2");
    CURRENT.put("poros", "1.9.0");
    CURRENT.put("heimdall", "3.1.0");
    CURRENT.put("metis", "2.3.1");
    CURRENT.put("workbench", "1.4.0");
    CURRENT.put("query-gateway", "2.7.0");
    CURRENT.put("notebooks", "1.8.2");
    CURRENT.put("manager", "1.6.0");
    CURRENT.put("rok", "1.4.0");
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient http = HttpClient.newHttpClient();
  private Path directory;
  private SamplePlatform sample;
  private SimulatedCluster cluster;
  private SimulatedOperator operator;

  @BeforeEach
  void load() {
    directory =
        SamplePlatform.find(Path.of(""))
            .orElseThrow(() -> new AssertionError("docs/examples/sample-platform not found"));
    sample = SamplePlatform.load(directory);
    cluster = new SimulatedCluster().start();
    // rok's operator: it installs the RokCluster CRD that the seed needs, and runs rok
    operator = new SimulatedOperator(cluster).start();
  }

  @AfterEach
  void stop() {
    operator.close();
    cluster.close();
  }

  @Test
  void theReleaseParsesWithoutProblemsAndChangesEveryComponent() throws Exception {
    ReleaseParser.Result parsed =
        ReleaseParser.parseYaml(Files.readString(directory.resolve("release-2.0.0.yaml")));

    assertThat(parsed.errors()).isEmpty();
    Release release = parsed.release();
    assertThat(release.metadata().version()).isEqualTo("2.0.0");
    assertThat(release.layers()).containsExactly("cloud-kernel", "core-kernel", "user-space");
    assertThat(release.spec().components())
        .extracting(Component::name)
        .containsExactlyInAnyOrderElementsOf(CURRENT.keySet());
    for (Component component : release.spec().components()) {
      assertThat(component.version())
          .as("release version of %s", component.name())
          .isNotEqualTo(CURRENT.get(component.name()));
      if (component.workload() == null) {
        continue; // the chart and the custom resource: below
      }
      assertThat(sample.namespaces()).contains(component.workload().namespace());
      assertThat(component.image())
          .isEqualTo("registry.example.com/" + component.name() + ":" + component.version());
    }
    assertThat(release.component("postgres").orElseThrow().backup()).isNotNull();
    assertThat(release.component("poros").orElseThrow().drain())
        .singleElement()
        .satisfies(target -> assertThat(target.name()).isEqualTo("poros-workers"));
    assertThat(release.component("metis").orElseThrow().migration()).isNotNull();
    assertThat(release.component("manager").orElseThrow().helm().chart())
        .isEqualTo("charts/manager");
    assertThat(directory.resolve("charts/manager/Chart.yaml")).isRegularFile();
    assertThat(sample.customResourceKinds()).containsExactly("data.example.com/v1/RokCluster");
    assertThat(release.component("workbench").orElseThrow().gates())
        .anySatisfy(
            gate -> {
              assertThat(gate.name()).isEqualTo(SamplePlatform.FAILING_GATE);
              assertThat(gate.http().url())
                  .isEqualTo(SamplePlatform.ENDPOINTS_BASE_URL + "/apps/workbench/health");
              assertThat(gate.http().expectStatus()).isEqualTo(200);
            });
    assertThat(sample.platformId()).isEqualTo("dataos-local");
    assertThat(sample.namespaces()).containsExactly("apps", "core", "storage");
    assertThat(sample.subscriptions()).isRegularFile();
    assertThat(sample.teams()).containsExactly("platform", "data", "apps");
    assertThat(sample.componentCount()).isEqualTo(10);
    assertThat(sample.releaseVersion()).isEqualTo("2.0.0");
    assertThat(sample.release())
        .isEqualTo(Files.readString(directory.resolve("release-2.0.0.yaml")));
    assertThat(sample.currentVersions()).isEqualTo(CURRENT);
  }

  @Test
  void theSeededClusterRunsEveryComponentAtItsCurrentVersionWithReadyPods() throws Exception {
    sample.seed(cluster);
    sample.awaitRunning(cluster, READY_TIMEOUT);

    KubernetesClient client = cluster.client();
    Deployment manager = client.apps().deployments().inNamespace("core").withName("manager").get();
    assertThat(manager.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/manager:1.6.0");
    assertThat(client.configMaps().inNamespace("core").withName("manager-config").get().getData())
        .containsEntry("version", "1.6.0");
    var rok =
        client
            .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
            .inNamespace("apps")
            .withName("rok")
            .get();
    assertThat((Map<Object, Object>) rok.getAdditionalProperties().get("status"))
        .as("the operator runs rok at its spec's version")
        .containsEntry("version", "1.4.0")
        .containsEntry("health", "OK");
    for (Component component : sample.releaseManifest().spec().components()) {
      if (component.workload() == null) {
        continue;
      }
      HasMetadata workload = workload(client, component);
      assertThat(workload).as("workload of %s", component.name()).isNotNull();
      Map<String, String> annotations = workload.getMetadata().getAnnotations();
      assertThat(annotations)
          .as("annotations of %s", component.name())
          .containsEntry("lockstep.dev/component", component.name())
          .containsEntry("lockstep.dev/layer", component.layer())
          .containsEntry("lockstep.dev/version", CURRENT.get(component.name()));
      Map<String, String> requires =
          JSON.readValue(
              annotations.get("lockstep.dev/requires"),
              new TypeReference<Map<String, String>>() {});
      assertThat(CURRENT.keySet()).containsAll(requires.keySet());
      assertThat(containerImage(workload, component.workload().container()))
          .isEqualTo(
              "registry.example.com/" + component.name() + ":" + CURRENT.get(component.name()));
      List<Pod> pods = podsOf(client, workload);
      assertThat(pods).as("pods of %s", component.name()).isNotEmpty();
      assertThat(pods).allSatisfy(pod -> assertThat(podReady(pod)).isTrue());
    }

    // The inventory groups workloads by component: none may form a component the release lacks
    // (the planner would remove it).
    List<String> components = new ArrayList<>();
    for (String namespace : sample.namespaces()) {
      client.apps().deployments().inNamespace(namespace).list().getItems().stream()
          .map(d -> d.getMetadata().getAnnotations().get("lockstep.dev/component"))
          .forEach(components::add);
      client.apps().statefulSets().inNamespace(namespace).list().getItems().stream()
          .map(s -> s.getMetadata().getAnnotations().get("lockstep.dev/component"))
          .forEach(components::add);
    }
    assertThat(components).doesNotContainNull().allMatch(CURRENT::containsKey);

    // The drained workers run, and postgres has the claim its backup step snapshots.
    StatefulSet workers =
        client.apps().statefulSets().inNamespace("core").withName("poros-workers").get();
    assertThat(workers.getStatus().getReadyReplicas()).isEqualTo(3);
    assertThat(workers.getMetadata().getAnnotations())
        .containsEntry("lockstep.dev/component", "poros");
    PersistentVolumeClaim claim =
        client.persistentVolumeClaims().inNamespace("storage").withName("data-postgres-0").get();
    assertThat(claim).isNotNull();
    StatefulSet postgres =
        client.apps().statefulSets().inNamespace("storage").withName("postgres").get();
    assertThat(postgres.getSpec().getVolumeClaimTemplates())
        .singleElement()
        .satisfies(
            template ->
                assertThat(claim.getMetadata().getName())
                    .startsWith(template.getMetadata().getName() + "-postgres-"));
    assertThat(
            client
                .genericKubernetesResources(
                    new ResourceDefinitionContext.Builder()
                        .withGroup("snapshot.storage.k8s.io")
                        .withVersion("v1")
                        .withKind("VolumeSnapshotClass")
                        .withPlural("volumesnapshotclasses")
                        .withNamespaced(false)
                        .build())
                .withName("csi-snapclass")
                .get())
        .isNotNull();

    assertThat(cluster.operations().byCodeUnderTest())
        .as("the seed is the simulator's work, not the code under test's")
        .isEmpty();
  }

  @Test
  void seedingAgainReplacesTheObjects() {
    sample.seed(cluster);
    cluster
        .client()
        .apps()
        .deployments()
        .inNamespace("apps")
        .withName("workbench")
        // a merge patch without resourceVersion: the simulated kubelet writes the status meanwhile
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"replicas\":5}}");
    assertThat(
            cluster
                .client()
                .apps()
                .deployments()
                .inNamespace("apps")
                .withName("workbench")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(5);

    sample.seed(cluster);
    sample.awaitRunning(cluster, READY_TIMEOUT);

    Deployment workbench =
        cluster.client().apps().deployments().inNamespace("apps").withName("workbench").get();
    assertThat(workbench.getSpec().getReplicas()).isEqualTo(2);
    assertThat(workbench.getStatus().getReadyReplicas()).isEqualTo(2);
  }

  @Test
  void theFailingGateScenarioMakesWorkbenchsNewVersionUnhealthyOnly() throws Exception {
    sample.seed(cluster);
    sample.awaitRunning(cluster, READY_TIMEOUT);
    String newImage = sample.releaseManifest().component("workbench").orElseThrow().image();

    try (SimulatedEndpoints endpoints = new SimulatedEndpoints(cluster).start()) {
      sample.failGate(endpoints, true);
      String workbench = endpoints.healthUrl("apps", "workbench");
      String gateway = endpoints.healthUrl("apps", "query-gateway");
      assertThat(status(workbench)).as("workbench 1.4.0 before the upgrade").isEqualTo(200);

      upgrade("workbench", newImage);
      upgrade(
          "query-gateway",
          sample.releaseManifest().component("query-gateway").orElseThrow().image());

      assertThat(status(workbench)).as("workbench 1.5.0").isEqualTo(503);
      assertThat(status(gateway)).as("query-gateway 2.8.0").isEqualTo(200);

      String release = sample.release(endpoints.baseUrl());
      assertThat(release)
          .contains(endpoints.healthUrl("apps", "workbench"))
          .doesNotContain(SamplePlatform.ENDPOINTS_BASE_URL);
      assertThat(ReleaseParser.parseYaml(release).errors()).isEmpty();
    }
    try (SimulatedEndpoints endpoints = new SimulatedEndpoints(cluster).start()) {
      assertThat(status(endpoints.healthUrl("apps", "workbench")))
          .as("workbench 1.5.0 in the happy scenario")
          .isEqualTo(200);
    }
  }

  @Test
  void scenariosAreNamedAsOnTheCommandLine() {
    assertThat(Scenario.parse("failing-gate")).isEqualTo(Scenario.FAILING_GATE);
    assertThat(Scenario.parse("happy")).isEqualTo(Scenario.HAPPY);
    assertThat(Scenario.parseAll("approval,cancel,data-integrity"))
        .containsExactly(Scenario.APPROVAL, Scenario.CANCEL, Scenario.DATA_INTEGRITY);
    assertThatThrownBy(() -> Scenario.parse("sunny"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown scenario 'sunny' (expected one of failing-gate, happy, approval, cancel,"
                + " data-integrity, window-closes, retry)");
  }

  /**
   * Each scenario's variant file makes a valid release of the sample that differs from it only in
   * what the file adds, and copies of a variant keep it with their namespaces and datasource.
   */
  @Test
  void eachVariantAddsItsGateToTheSampleReleaseAndCopiesKeepIt() {
    for (Scenario scenario : Scenario.values()) {
      SamplePlatform variant = sample.variant(scenario.variant());
      Release release = variant.releaseManifest();
      assertThat(release.spec().components())
          .as(scenario.wire())
          .hasSameSizeAs(sample.releaseManifest().spec().components());
      assertThat(release.metadata().version()).isEqualTo(sample.releaseVersion());
    }
    Component metis =
        sample.variant("scenario-approval.yaml").releaseManifest().component("metis").orElseThrow();
    assertThat(metis.gates().stream().map(g -> g.name() + ":" + g.kind()))
        .containsExactly("metis-no-restarts:kubernetes", "metis-approval:approval");
    assertThat(metis.migration().args()).containsExactly("--from", "2.3.1", "--to", "2.4.0");

    SamplePlatform copy = sample.variant("scenario-data-integrity.yaml").copy("dataos-local", 3);
    Component copied = copy.releaseManifest().component("metis").orElseThrow();
    assertThat(copied.workload().namespace()).isEqualTo("core-03");
    assertThat(copied.gates().get(1).sql().datasource()).isEqualTo("sample-data-03");
    assertThat(copied.gates().get(1).sql().compareToBaseline()).isTrue();
    assertThat(copy.datasource()).isEqualTo("sample-data-03");
    assertThat(copy.release()).contains("http://127.0.0.1:8089/apps-03/workbench/health");
  }

  @Test
  void aDirectoryWithoutTheSampleIsAClearError(@org.junit.jupiter.api.io.TempDir Path empty) {
    assertThatThrownBy(() -> SamplePlatform.load(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no cluster.yaml");
  }

  private int status(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Sets a Deployment's image as the executor's set-image step does, and waits for the rollout. */
  private void upgrade(String name, String image) {
    var deployment = cluster.client().apps().deployments().inNamespace("apps").withName(name);
    deployment.edit(
        d ->
            new DeploymentBuilder(d)
                .editSpec()
                .editTemplate()
                .editSpec()
                .editFirstContainer()
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build());
    deployment.waitUntilCondition(
        d ->
            d.getStatus() != null
                && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                && d.getSpec().getReplicas().equals(d.getStatus().getUpdatedReplicas())
                && d.getSpec().getReplicas().equals(d.getStatus().getReadyReplicas()),
        10,
        TimeUnit.SECONDS);
  }

  private static HasMetadata workload(KubernetesClient client, Component component) {
    String namespace = component.workload().namespace();
    String name = component.workload().name();
    return switch (component.workload().kind()) {
      case "Deployment" -> client.apps().deployments().inNamespace(namespace).withName(name).get();
      case "StatefulSet" ->
          client.apps().statefulSets().inNamespace(namespace).withName(name).get();
      default -> throw new AssertionError("unexpected kind " + component.workload().kind());
    };
  }

  private static String containerImage(HasMetadata workload, String container) {
    var template =
        workload instanceof Deployment d
            ? d.getSpec().getTemplate()
            : ((StatefulSet) workload).getSpec().getTemplate();
    return template.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .orElseThrow()
        .getImage();
  }

  private static List<Pod> podsOf(KubernetesClient client, HasMetadata workload) {
    String uid = workload.getMetadata().getUid();
    return client
        .pods()
        .inNamespace(workload.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getOwnerReferences().stream()
                    .anyMatch(owner -> uid.equals(owner.getUid())))
        .toList();
  }

  private static boolean podReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
