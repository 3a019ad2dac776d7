package dev.lockstep.validator.kubernetes;

import static dev.lockstep.validator.TestingValidator.awaitVerdict;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.platform;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.TestingValidator.Verdict;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kubernetes gates against the simulated cluster (API server and kubelet): a complete rollout and
 * ready pods pass, a crash-looping workload fails no-restarts, a Job's success or failure decides
 * its gate, a missing object fails.
 */
class KubernetesGateIT {
  private static final String NS = SimulatedCluster.DEFAULT_NAMESPACE;
  private static SimulatedCluster cluster;
  private static ApplicationContext validator;

  @BeforeAll
  static void start() {
    cluster = new SimulatedCluster().start();
    cluster.kubelet().failJobs(job -> job.getMetadata().getName().startsWith("bad-"));
    validator =
        TestingValidator.start(
            Map.of("lockstep.validator.kubernetes.master-url", cluster.kubernetesUrl()));
  }

  @AfterAll
  static void stop() {
    if (validator != null) {
      validator.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static void deploy(String name, String image, int replicas) {
    Deployment deployment =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
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
            .build();
    cluster.client().apps().deployments().inNamespace(NS).resource(deployment).create();
  }

  private static void job(String name) {
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("migrate")
            .withImage("registry.example.com/migrate:2.4.0")
            .endContainer()
            .withRestartPolicy("Never")
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    cluster.client().batch().v1().jobs().inNamespace(NS).resource(job).create();
  }

  /** Waits until the check holds for ten tries a second apart: the executor's usual settings. */
  private static Verdict check(String check, String kind, String name, Instant changeStartedAt) {
    String platform = platform("k8s");
    Gate gate =
        gate(
            name + "-" + check,
            new Gate.KubernetesCheck(check, ObjectRef.of(kind, NS, name), null),
            null,
            null,
            null,
            "100ms",
            50,
            50,
            1,
            null,
            null);
    request(platform, "u-" + platform, gate, GatePurpose.VERIFY, changeStartedAt);
    return awaitVerdict(platform);
  }

  @Test
  void aCompleteRolloutWithReadyPodsAndNoRestartsPasses() {
    Instant changeStarted = Instant.now();
    deploy("web", "registry.example.com/web:1.0", 2);

    Verdict rollout = check("rollout", "Deployment", "web", changeStarted);
    Verdict ready = check("pods-ready", "Deployment", "web", changeStarted);
    Verdict restarts = check("no-restarts", "Deployment", "web", changeStarted);

    assertThat(rollout.passed()).isTrue();
    assertThat(rollout.asPassed().measurements())
        .last()
        .satisfies(m -> assertThat(m.value()).isEqualTo("2/2"));
    assertThat(ready.passed()).isTrue();
    assertThat(restarts.passed()).isTrue();
  }

  @Test
  void aCrashLoopingWorkloadFailsNoRestarts() {
    Instant changeStarted = Instant.now();
    deploy("crashy", "registry.example.com/crashy:1.0-crashloop", 1);
    awaitRestart("crashy");

    String platform = platform("k8s");
    request(
        platform,
        "u-" + platform,
        gate(
            "crashy-no-restarts",
            new Gate.KubernetesCheck("no-restarts", ObjectRef.of("Deployment", NS, "crashy"), null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null),
        GatePurpose.VERIFY,
        changeStarted);
    Verdict verdict = awaitVerdict(platform);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason()).contains("CrashLoopBackOff");
  }

  @Test
  void aJobThatSucceededPassesAndOneThatFailedFails() {
    Instant changeStarted = Instant.now();
    job("good-migrate");
    job("bad-migrate");

    Verdict good = check("job-succeeded", "Job", "good-migrate", changeStarted);
    Verdict bad = check("job-succeeded", "Job", "bad-migrate", changeStarted);

    assertThat(good.passed()).isTrue();
    assertThat(bad.passed()).isFalse();
    assertThat(bad.asFailed().reason()).contains("Job bad-migrate failed");
  }

  @Test
  void aMissingObjectFails() {
    String platform = platform("k8s");
    request(
        platform,
        "u-" + platform,
        gate(
            "ghost",
            new Gate.KubernetesCheck("rollout", ObjectRef.of("Deployment", NS, "ghost"), null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null),
        GatePurpose.VERIFY,
        Instant.now());
    Verdict verdict = awaitVerdict(platform);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason()).contains("Deployment default/ghost does not exist");
  }

  private static void awaitRestart(String app) {
    Eventually.until(
        Duration.ofSeconds(30),
        Duration.ofMillis(100),
        () -> restarted(app),
        () -> "the pods of " + app + " never restarted");
  }

  private static boolean restarted(String app) {
    for (Pod pod :
        cluster.client().pods().inNamespace(NS).withLabel("app", app).list().getItems()) {
      if (pod.getStatus() != null
          && pod.getStatus().getContainerStatuses() != null
          && pod.getStatus().getContainerStatuses().stream()
              .anyMatch(cs -> cs.getRestartCount() != null && cs.getRestartCount() > 0)) {
        return true;
      }
    }
    return false;
  }
}
