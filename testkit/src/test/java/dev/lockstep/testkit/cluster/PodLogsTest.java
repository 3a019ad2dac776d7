package dev.lockstep.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.testkit.Eventually;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pod log endpoint, read through fabric8 as code reads a real cluster's logs: a running
 * container's start line; a workload busy after another is scaled to zero writes lines for as long
 * as it was told and then falls silent; timestamps, since and tail work as on a real API server.
 */
class PodLogsTest {
  private static final String NAMESPACE = "apps";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private SimulatedCluster cluster;
  private KubernetesClient service;

  @BeforeEach
  void startCluster() {
    cluster = new SimulatedCluster().start();
    service = new KubernetesClientBuilder().withConfig(cluster.config()).build();
  }

  @AfterEach
  void stopCluster() {
    service.close();
    cluster.close();
  }

  @Test
  void aWorkloadBusyAfterAnotherIsScaledToZeroWritesLinesForItsDurationThenFallsSilent() {
    service.resource(deployment("rok")).create();
    service.resource(deployment("clients")).create();
    PodResource rok = service.pods().inNamespace(NAMESPACE).withName(runningPod("rok"));
    cluster
        .logs()
        .busyAfterScaledToZero(
            NAMESPACE, "rok", Duration.ofMillis(100), Duration.ofMillis(800), NAMESPACE, "clients");

    assertThat(rok.getLog()).isEqualTo("container rok started\n");
    assertThat(rok.usingTimestamps().getLog())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ container rok started\n");

    Instant beforeScale = Instant.now();
    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName("clients")
        .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(0).endSpec().build());
    Instant afterScale = Instant.now();
    Eventually.until("rok writes after clients are gone", WAIT, () -> busyLines(rok).size() >= 3);

    List<Instant> busy = busyLines(rok);
    assertThat(busy.get(0)).isBetween(beforeScale, afterScale);
    assertThat(Duration.between(busy.get(0), busy.get(1))).isEqualTo(Duration.ofMillis(100));
    String fromSecond = rok.usingTimestamps().sinceTime(busy.get(1).toString()).getLog();
    assertThat(fromSecond).startsWith(busy.get(1) + " rok busy: line 1\n");
    assertThat(rok.tailingLines(1).getLog()).matches("rok busy: line \\d+\n");

    Eventually.until(
        "rok falls silent", WAIT, () -> rok.usingTimestamps().sinceSeconds(1).getLog().isEmpty());
    List<Instant> all = busyLines(rok);
    assertThat(all).hasSize(8);
    assertThat(all.get(7)).isEqualTo(all.get(0).plusMillis(700));
    assertThat(rok.get().getStatus().getPhase())
        .as("the pod still runs, silent")
        .isEqualTo("Running");
  }

  @Test
  void anUnknownPodIsNotFoundAndSinceSecondsWithSinceTimeIsRefused() {
    service.resource(deployment("rok")).create();
    PodResource rok = service.pods().inNamespace(NAMESPACE).withName(runningPod("rok"));

    assertThatThrownBy(() -> service.pods().inNamespace(NAMESPACE).withName("nope").getLog())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    assertThat(rok.usingTimestamps().sinceSeconds(3600).getLog())
        .endsWith(" container rok started\n");
    assertThat(rok.sinceTime(Instant.now().plusSeconds(60).toString()).getLog()).isEmpty();
  }

  private List<Instant> busyLines(PodResource pod) {
    return pod.usingTimestamps()
        .getLog()
        .lines()
        .filter(line -> line.contains(" busy: "))
        .map(line -> Instant.parse(line.substring(0, line.indexOf(' '))))
        .toList();
  }

  private String runningPod(String app) {
    Pod pod =
        Eventually.value(
            () ->
                service
                    .pods()
                    .inNamespace(NAMESPACE)
                    .withLabel("app", app)
                    .list()
                    .getItems()
                    .stream()
                    .filter(
                        p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                    .findFirst()
                    .orElse(null),
            p -> p != null,
            WAIT);
    return pod.getMetadata().getName();
  }

  private static Deployment deployment(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
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
        .withImage("registry.example.com/" + name + ":1.0.0")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
