package dev.lockstep.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated endpoints answer a workload's health check as the workload would: up when its pods
 * are ready and its image is healthy, degraded when it runs a degraded image, down without ready
 * pods, and not found when there is no such workload, over real HTTP.
 */
class SimulatedEndpointsTest {

  private static final String NAMESPACE = "apps";
  private static final String GOOD_IMAGE = "registry.example.com/workbench:1.4.0";
  private static final String BAD_IMAGE = "registry.example.com/workbench:1.5.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SimulatedCluster cluster;
  private SimulatedEndpoints endpoints;
  private KubernetesClient service;

  @BeforeEach
  void start() {
    cluster = new SimulatedCluster().start();
    service = cluster.client();
    endpoints = new SimulatedEndpoints(cluster).start();
  }

  @AfterEach
  void stop() {
    endpoints.close();
    cluster.close();
  }

  @Test
  void readyWorkloadIsUpWithItsImage() throws Exception {
    createDeployment("workbench", 2, GOOD_IMAGE);
    awaitReady("workbench", GOOD_IMAGE);

    HttpResponse<String> response = get(endpoints.healthUrl(NAMESPACE, "workbench"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("status").asText()).isEqualTo("UP");
    assertThat(body.path("image").asText()).isEqualTo(GOOD_IMAGE);
    assertThat(body.path("kind").asText()).isEqualTo("Deployment");
    assertThat(body.path("readyReplicas").asInt()).isEqualTo(2);
    assertThat(body.path("images").path("workbench").asText()).isEqualTo(GOOD_IMAGE);
  }

  @Test
  void upgradeToADegradedImageAnswers503AndARollbackBringsItBack() throws Exception {
    endpoints.degrade(BAD_IMAGE);
    createDeployment("workbench", 2, GOOD_IMAGE);
    awaitReady("workbench", GOOD_IMAGE);
    String url = endpoints.healthUrl(NAMESPACE, "workbench");
    assertThat(get(url).statusCode()).isEqualTo(200);

    setImage("workbench", BAD_IMAGE);
    awaitReady("workbench", BAD_IMAGE);
    HttpResponse<String> degraded = get(url);

    assertThat(degraded.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(degraded.body());
    assertThat(body.path("status").asText()).isEqualTo("DEGRADED");
    assertThat(body.path("image").asText()).isEqualTo(BAD_IMAGE);
    assertThat(body.path("degraded").get(0).asText()).isEqualTo(BAD_IMAGE);
    assertThat(body.path("message").asText()).contains("Deployment apps/workbench", BAD_IMAGE);

    setImage("workbench", GOOD_IMAGE);
    awaitReady("workbench", GOOD_IMAGE);
    assertThat(get(url).statusCode()).isEqualTo(200);
  }

  @Test
  void restoringAnImageMakesItHealthyAgain() throws Exception {
    endpoints.degrade(BAD_IMAGE);
    createDeployment("workbench", 1, BAD_IMAGE);
    awaitReady("workbench", BAD_IMAGE);
    String url = endpoints.healthUrl(NAMESPACE, "workbench");
    assertThat(get(url).statusCode()).isEqualTo(503);
    assertThat(endpoints.degradedImages()).containsExactly(BAD_IMAGE);

    endpoints.restore(BAD_IMAGE);

    assertThat(endpoints.isDegraded(BAD_IMAGE)).isFalse();
    assertThat(get(url).statusCode()).isEqualTo(200);
  }

  @Test
  void statefulSetScaledToZeroIsDown() throws Exception {
    service
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("poros-workers")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withServiceName("poros-workers")
                .withNewSelector()
                .addToMatchLabels("app", "poros-workers")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "poros-workers")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("worker")
                .withImage("registry.example.com/poros-worker:1.9.0")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    awaitStatefulSetReady(2);
    String url = endpoints.healthUrl(NAMESPACE, "poros-workers");
    assertThat(JSON.readTree(get(url).body()).path("kind").asText()).isEqualTo("StatefulSet");
    assertThat(get(url).statusCode()).isEqualTo(200);

    service
        .apps()
        .statefulSets()
        .inNamespace(NAMESPACE)
        .withName("poros-workers")
        .edit(s -> new StatefulSetBuilder(s).editSpec().withReplicas(0).endSpec().build());
    awaitStatefulSetReady(0);
    HttpResponse<String> down = get(url);

    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(down.body()).path("status").asText()).isEqualTo("DOWN");
  }

  @Test
  void unknownWorkloadsAndPathsAreNotFoundAndOnlyGetIsAllowed() throws Exception {
    HttpResponse<String> missing = get(endpoints.healthUrl(NAMESPACE, "nothing-here"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).path("message").asText())
        .contains("apps/nothing-here");

    assertThat(get(endpoints.baseUrl() + "/apps/workbench").statusCode()).isEqualTo(404);

    createDeployment("workbench", 1, GOOD_IMAGE);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(endpoints.healthUrl(NAMESPACE, "workbench")))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void listensOnTheGivenPortAndRefusesATakenOne() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (SimulatedEndpoints fixed = new SimulatedEndpoints(cluster, port).start()) {
      assertThat(fixed.port()).isEqualTo(port);
      assertThat(fixed.baseUrl()).isEqualTo("http://127.0.0.1:" + port);
      assertThat(get(fixed.healthUrl(NAMESPACE, "none")).statusCode()).isEqualTo(404);

      SimulatedEndpoints second = new SimulatedEndpoints(cluster, port);
      assertThatThrownBy(second::start)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("port " + port);
      second.close();
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void createDeployment(String name, int replicas, String image) {
    service
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName(name)
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  private void setImage(String name, String image) {
    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(name)
        .edit(
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
  }

  private void awaitReady(String name, String image) {
    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(name)
        .waitUntilCondition(
            (Deployment d) ->
                d != null
                    && d.getStatus() != null
                    && image.equals(
                        d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                    && d.getSpec().getReplicas().equals(d.getStatus().getUpdatedReplicas())
                    && d.getSpec().getReplicas().equals(d.getStatus().getReadyReplicas()),
            10,
            TimeUnit.SECONDS);
  }

  private void awaitStatefulSetReady(int replicas) {
    service
        .apps()
        .statefulSets()
        .inNamespace(NAMESPACE)
        .withName("poros-workers")
        .waitUntilCondition(
            (StatefulSet s) ->
                s != null
                    && s.getStatus() != null
                    && s.getMetadata().getGeneration().equals(s.getStatus().getObservedGeneration())
                    && replicas
                        == (s.getStatus().getReadyReplicas() == null
                            ? 0
                            : s.getStatus().getReadyReplicas()),
            10,
            TimeUnit.SECONDS);
  }
}
