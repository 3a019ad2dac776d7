package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code lockstep local --platforms M}: copies of the sample platform run side by side on one
 * cluster, each in namespaces of its own, with a release that names them, and one copy's gate fails
 * while another's passes.
 */
class SampleCopiesTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private SamplePlatform sample;
  private SimulatedCluster cluster;
  private SimulatedOperator operator;

  @BeforeEach
  void load() {
    sample =
        SamplePlatform.load(
            SamplePlatform.find(Path.of(""))
                .orElseThrow(() -> new AssertionError("docs/examples/sample-platform not found")));
    cluster = new SimulatedCluster().start();
    operator = new SimulatedOperator(cluster).start();
  }

  @AfterEach
  void stop() {
    operator.close();
    cluster.close();
  }

  @Test
  void aCopyHasItsOwnPlatformIdNamespacesAndRelease() {
    SamplePlatform copy = sample.copy("dataos-local", 7);

    assertThat(copy.platformId()).isEqualTo("dataos-local-07");
    assertThat(copy.namespaces()).containsExactly("apps-07", "core-07", "storage-07");
    assertThat(copy.currentVersions()).isEqualTo(sample.currentVersions());
    assertThat(copy.componentCount()).isEqualTo(sample.componentCount());
    for (HasMetadata object : copy.objects()) {
      if (object instanceof Namespace namespace) {
        assertThat(namespace.getMetadata().getLabels())
            .containsEntry("kubernetes.io/metadata.name", namespace.getMetadata().getName())
            .containsEntry("lockstep.dev/platform", "dataos-local-07");
      } else if (object.getMetadata().getNamespace() != null) {
        assertThat(object.getMetadata().getNamespace()).as("%s", object).endsWith("-07");
      }
    }
    String release = copy.release("http://127.0.0.1:4242");
    assertThat(ReleaseParser.parseYaml(release).errors()).isEmpty();
    assertThat(release)
        .contains("http://127.0.0.1:4242/apps-07/workbench/health")
        .doesNotContainPattern("namespace:\\s*(apps|core|storage)\\b(?!-)");
    for (Component component : copy.releaseManifest().spec().components()) {
      if (component.workload() != null) {
        assertThat(component.workload().namespace()).endsWith("-07");
      }
    }
    assertThat(sample.platformId()).as("the sample itself is unchanged").isEqualTo("dataos-local");
    assertThat(sample.namespaces()).containsExactly("apps", "core", "storage");
  }

  @Test
  void copiesRunSideBySideAndOneFailsItsGateWhileAnotherPasses() throws Exception {
    SamplePlatform first = sample.copy("dataos-local", 1);
    SamplePlatform second = sample.copy("dataos-local", 2);
    for (SamplePlatform copy : List.of(first, second)) {
      copy.seed(cluster);
    }
    for (SamplePlatform copy : List.of(first, second)) {
      copy.awaitRunning(cluster, Duration.ofSeconds(20));
    }
    String newImage = sample.releaseManifest().component("workbench").orElseThrow().image();
    try (SimulatedEndpoints endpoints = new SimulatedEndpoints(cluster).start()) {
      first.failGate(endpoints, true);
      upgrade("apps-01", newImage);
      upgrade("apps-02", newImage);

      assertThat(status(endpoints.healthUrl("apps-01", "workbench"))).isEqualTo(503);
      assertThat(status(endpoints.healthUrl("apps-02", "workbench"))).isEqualTo(200);

      first.failGate(endpoints, false);
      second.failGate(endpoints, true);
      assertThat(status(endpoints.healthUrl("apps-01", "workbench"))).isEqualTo(200);
      assertThat(status(endpoints.healthUrl("apps-02", "workbench"))).isEqualTo(503);
    }
  }

  private int status(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Sets workbench's image in a namespace as the executor's set-image step does; waits. */
  private void upgrade(String namespace, String image) {
    var deployment =
        cluster.client().apps().deployments().inNamespace(namespace).withName("workbench");
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
                && d.getSpec().getReplicas().equals(d.getStatus().getReadyReplicas()),
        10,
        TimeUnit.SECONDS);
  }
}
