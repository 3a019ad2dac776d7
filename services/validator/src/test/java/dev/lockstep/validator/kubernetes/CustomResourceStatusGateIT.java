package dev.lockstep.validator.kubernetes;

import static dev.lockstep.validator.TestingValidator.awaitVerdict;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.platform;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.TestingValidator.Verdict;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubernetes gate on an operator-managed resource (a RokCluster run by the simulated operator):
 * it passes once the status reports the new version, healthy and Ready; it fails, naming the
 * fields, when the operator reports a failed upgrade; and a status that has not caught up with the
 * latest spec fails even when its fields match.
 */
class CustomResourceStatusGateIT {
  private static final String NS = "data";
  private static SimulatedCluster cluster;
  private static SimulatedOperator operator;
  private static ApplicationContext validator;

  @BeforeAll
  static void start() {
    cluster = new SimulatedCluster().start();
    operator = new SimulatedOperator(cluster).markFaulty("3.0.0").start();
    validator =
        TestingValidator.start(
            Map.of("lockstep.validator.kubernetes.master-url", cluster.kubernetesUrl()));
  }

  @AfterAll
  static void stop() {
    if (validator != null) {
      validator.close();
    }
    if (operator != null) {
      operator.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void anUpgradedResourcePassesOnItsStatusFieldsAndReadyCondition() {
    Instant changeStarted = Instant.now();
    create("rok-a", "1.0.0");
    requestVersion("rok-a", "2.0.0");

    Verdict verdict =
        check(
            "rok-a",
            Map.of("version", "2.0.0", "status.health", "OK", "conditions.Ready", "True"),
            changeStarted);

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.asPassed().measurements())
        .last()
        .satisfies(
            m ->
                assertThat(m.value())
                    .contains("status.version=2.0.0", "status.conditions.Ready=True"));
  }

  @Test
  void aFailedUpgradeFailsTheGateNamingTheFields() {
    Instant changeStarted = Instant.now();
    create("rok-b", "2.0.0");
    requestVersion("rok-b", "3.0.0");
    rok("rok-b")
        .waitUntilCondition(
            r -> SimulatedOperator.HEALTH_FAILED.equals(status(r).get("health")),
            10,
            TimeUnit.SECONDS);

    Verdict verdict =
        check(
            "rok-b",
            Map.of("version", "3.0.0", "health", "OK", "conditions.Ready", "True"),
            changeStarted);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason())
        .contains("RokCluster data/rok-b")
        .contains("status.version is 2.0.0, expected 3.0.0")
        .contains("status.health is Failed, expected OK")
        .contains("status.conditions.Ready is False, expected True");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aStatusBehindTheLatestSpecFailsEvenWhenItsFieldsMatch() {
    Instant changeStarted = Instant.now();
    // A resource without spec.version, which the operator leaves alone: its status is written here
    // for generation 1, then the spec changes (generation 2) and nobody updates the status.
    GenericKubernetesResource stale = SimulatedOperator.rokCluster(NS, "rok-c", "2.0.0");
    Map<String, Object> spec = (Map<String, Object>) stale.getAdditionalProperties().get("spec");
    spec.put("release", spec.remove("version"));
    rok("rok-c").create(stale);
    rok("rok-c")
        .editStatus(
            r -> {
              r.getAdditionalProperties()
                  .put(
                      "status",
                      Map.of("version", "2.0.0", "health", "OK", "observedGeneration", 1));
              return r;
            });
    rok("rok-c")
        .edit(
            r -> {
              ((Map<String, Object>) r.getAdditionalProperties().get("spec")).put("nodes", 5);
              return r;
            });

    Verdict verdict = check("rok-c", Map.of("version", "2.0.0", "health", "OK"), changeStarted);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason()).contains("does not describe generation 2 yet");
  }

  private static Verdict check(String name, Map<String, Object> status, Instant changeStarted) {
    String platform = platform("rok");
    Gate gate =
        gate(
            name + "-status",
            new Gate.KubernetesCheck(
                "status",
                new ObjectRef(SimulatedOperator.API_VERSION, SimulatedOperator.KIND, NS, name),
                status),
            null,
            null,
            null,
            "100ms",
            30,
            30,
            1,
            null,
            null);
    request(platform, "u-" + platform, gate, GatePurpose.VERIFY, changeStarted);
    return awaitVerdict(platform);
  }

  private static void create(String name, String version) {
    rok(name).create(SimulatedOperator.rokCluster(NS, name, version));
    rok(name)
        .waitUntilCondition(
            r -> r != null && version.equals(status(r).get("version")), 10, TimeUnit.SECONDS);
  }

  /** Sets spec.version as a client does: read, change, write; again on a conflict. */
  @SuppressWarnings("unchecked")
  private static void requestVersion(String name, String version) {
    for (int attempt = 1; ; attempt++) {
      try {
        rok(name)
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

  private static Resource<GenericKubernetesResource> rok(String name) {
    return cluster
        .client()
        .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
        .inNamespace(NS)
        .withName(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource resource) {
    Object status = resource == null ? null : resource.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> ? (Map<String, Object>) status : new LinkedHashMap<>();
  }
}
