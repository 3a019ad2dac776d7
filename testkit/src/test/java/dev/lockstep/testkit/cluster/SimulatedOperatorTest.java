package dev.lockstep.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated operator upgrades a RokCluster through a Job the kubelet runs and reports the new
 * version in its status; a faulty version or a failed Job leaves the old version running with a
 * failed health; going back to the running version makes it healthy again; an update of the
 * resource by someone else keeps the status the operator wrote.
 */
class SimulatedOperatorTest {

  private static final String NAMESPACE = "data";

  private SimulatedCluster cluster;
  private SimulatedOperator operator;
  private KubernetesClient service;

  @BeforeEach
  void start() {
    cluster = new SimulatedCluster().start();
    service = cluster.client();
    operator = new SimulatedOperator(cluster);
  }

  @AfterEach
  void stop() {
    operator.close();
    cluster.close();
  }

  @Test
  void aNewClusterRunsItsRequestedVersionAtOnce() {
    operator.start();
    create("rok", "1.0.0");

    GenericKubernetesResource rok = awaitStatus("rok", s -> "1.0.0".equals(s.get("version")));

    assertThat(status(rok))
        .containsEntry("health", SimulatedOperator.HEALTH_OK)
        .containsEntry("phase", "Running")
        .containsEntry("observedGeneration", 1);
    assertThat(ready(rok)).containsEntry("status", "True");
    assertThat(service.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
  }

  @Test
  void aNewVersionIsReachedThroughAnUpgradeJobTheKubeletRuns() {
    operator.start();
    create("rok", "1.0.0");
    awaitStatus("rok", s -> "1.0.0".equals(s.get("version")));

    requestVersion("rok", "2.0.0");
    GenericKubernetesResource rok = awaitStatus("rok", s -> "2.0.0".equals(s.get("version")));

    assertThat(status(rok))
        .containsEntry("health", SimulatedOperator.HEALTH_OK)
        .containsEntry("observedGeneration", 2)
        .containsEntry("upgradeJob", "rok-to-2-0-0-g2");
    assertThat(ready(rok)).containsEntry("status", "True").containsEntry("reason", "Upgraded");
    Job job = service.batch().v1().jobs().inNamespace(NAMESPACE).withName("rok-to-2-0-0-g2").get();
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/rok-upgrade:2.0.0");
    assertThat(job.getMetadata().getLabels())
        .containsEntry(SimulatedOperator.CLUSTER_LABEL, "rok")
        .containsEntry(SimulatedOperator.VERSION_LABEL, "2.0.0");
    assertThat(job.getMetadata().getOwnerReferences().get(0).getUid())
        .isEqualTo(rok.getMetadata().getUid());
    var mine = cluster.operations().query().byCodeUnderTest().succeeded();
    assertThat(mine.resource("jobs").count()).as("the Job is the operator's").isZero();
    assertThat(mine.resource("rokclusters").method("POST").count()).isEqualTo(1);
    assertThat(mine.resource("rokclusters").method("PATCH").count()).isEqualTo(1);
    assertThat(mine.resource("rokclusters").subresource("status").count())
        .as("status is written by the operator alone")
        .isZero();
    assertThat(cluster.operations().query().actor(SimulatedOperator.ACTOR).resource("jobs").count())
        .isEqualTo(1);
  }

  @Test
  void aFaultyVersionFailsItsHealthAndKeepsTheOldVersionUntilSpecGoesBack() {
    operator.markFaulty("2.0.0").start();
    create("rok", "1.0.0");
    awaitStatus("rok", s -> "1.0.0".equals(s.get("version")));

    requestVersion("rok", "2.0.0");
    GenericKubernetesResource failed =
        awaitStatus("rok", s -> SimulatedOperator.HEALTH_FAILED.equals(s.get("health")));

    assertThat(status(failed)).containsEntry("version", "1.0.0").containsEntry("phase", "Failed");
    assertThat(ready(failed))
        .containsEntry("status", "False")
        .containsEntry("reason", "UpgradeFailed");
    assertThat(ready(failed).get("message").toString()).contains("2.0.0", "1.0.0 still runs");

    requestVersion("rok", "1.0.0");
    GenericKubernetesResource back =
        awaitStatus("rok", s -> SimulatedOperator.HEALTH_OK.equals(s.get("health")));

    assertThat(status(back))
        .containsEntry("version", "1.0.0")
        .containsEntry("observedGeneration", 3);
    assertThat(ready(back)).containsEntry("status", "True");
  }

  @Test
  void aFailedUpgradeJobFailsTheHealth() {
    cluster.kubelet().failJobs(job -> job.getMetadata().getName().startsWith("rok-to-3"));
    operator.start();
    create("rok", "2.0.0");
    awaitStatus("rok", s -> "2.0.0".equals(s.get("version")));

    requestVersion("rok", "3.0.0");
    GenericKubernetesResource failed =
        awaitStatus("rok", s -> SimulatedOperator.HEALTH_FAILED.equals(s.get("health")));

    assertThat(status(failed)).containsEntry("version", "2.0.0");
    assertThat(ready(failed).get("message").toString()).contains("rok-to-3-0-0-g2", "failed");
  }

  @Test
  void aDowngradeRunsAJobLikeAnUpgrade() {
    operator.start();
    create("rok", "1.0.0");
    awaitStatus("rok", s -> "1.0.0".equals(s.get("version")));
    requestVersion("rok", "2.0.0");
    awaitStatus("rok", s -> "2.0.0".equals(s.get("version")));

    requestVersion("rok", "1.0.0");
    GenericKubernetesResource rok =
        awaitStatus(
            "rok",
            s ->
                "1.0.0".equals(s.get("version"))
                    && Integer.valueOf(3).equals(s.get("observedGeneration")));

    assertThat(status(rok)).containsEntry("upgradeJob", "rok-to-1-0-0-g3");
    assertThat(service.batch().v1().jobs().inNamespace(NAMESPACE).withName("rok-to-1-0-0-g3").get())
        .isNotNull();
  }

  @Test
  void anUpdateOfTheResourceKeepsTheStatusTheOperatorWrote() {
    operator.start();
    create("rok", "1.0.0");
    GenericKubernetesResource rok = awaitStatus("rok", s -> "1.0.0".equals(s.get("version")));

    rok.getMetadata().setLabels(Map.of("team", "data"));
    rok.getAdditionalProperties().put("status", Map.of("version", "forged"));
    GenericKubernetesResource updated =
        service
            .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
            .inNamespace(NAMESPACE)
            .resource(rok)
            .update();

    assertThat(status(updated)).containsEntry("version", "1.0.0");
    assertThat(updated.getMetadata().getGeneration()).as("metadata only").isEqualTo(1);
  }

  private void create(String name, String version) {
    SimulatedOperator.installDefinition(service);
    rokCluster(name).create(SimulatedOperator.rokCluster(NAMESPACE, name, version));
  }

  /** Sets spec.version as a client does: read, change, write; again on a conflict. */
  @SuppressWarnings("unchecked")
  private void requestVersion(String name, String version) {
    for (int attempt = 1; ; attempt++) {
      try {
        rokCluster(name)
            .edit(
                r -> {
                  ((Map<String, Object>) r.getAdditionalProperties().get("spec"))
                      .put("version", version);
                  return r;
                });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private GenericKubernetesResource awaitStatus(
      String name, Predicate<Map<String, Object>> condition) {
    return rokCluster(name)
        .waitUntilCondition(
            r -> r != null && status(r) != null && condition.test(status(r)), 10, TimeUnit.SECONDS);
  }

  private Resource<GenericKubernetesResource> rokCluster(String name) {
    return service
        .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
        .inNamespace(NAMESPACE)
        .withName(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("status");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> ready(GenericKubernetesResource resource) {
    List<Object> conditions = (List<Object>) status(resource).get("conditions");
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> "Ready".equals(c.get("type")))
        .findFirst()
        .orElseThrow();
  }
}
