package dev.lockstep.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated cluster behaves like a real one for code that talks to it through its own client:
 * rollouts become ready, faulty images crash-loop, Jobs end, and the operation log shows exactly
 * what that code changed.
 */
class SimulatedKubeletTest {

  private static final String NAMESPACE = "shop";
  private static final String GOOD_IMAGE = "registry.example.com/app:1.0.0";
  private static final String NEXT_IMAGE = "registry.example.com/app:1.1.0";
  private static final String FAULTY_IMAGE = "registry.example.com/app:2.0.0";
  private static final long WAIT_SECONDS = 5;

  private SimulatedCluster cluster;

  /** The code under test: a client of its own, built from the cluster's configuration. */
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
  void deploymentCreatedThroughItsOwnClientBecomesReadyWithReadyPods() {
    service.resource(deployment("web", 3, GOOD_IMAGE)).create();

    Deployment ready = awaitDeployment("web", SimulatedKubeletTest::rolledOut);

    DeploymentStatus status = ready.getStatus();
    assertThat(status.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(status.getReplicas()).isEqualTo(3);
    assertThat(status.getUpdatedReplicas()).isEqualTo(3);
    assertThat(status.getReadyReplicas()).isEqualTo(3);
    assertThat(status.getAvailableReplicas()).isEqualTo(3);
    assertThat(condition(ready, "Available"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(condition(ready, "Progressing"))
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("NewReplicaSetAvailable");
            });

    List<Pod> pods =
        awaitPods(
            "web",
            list -> list.size() == 3 && list.stream().allMatch(SimulatedKubeletTest::podReady));
    assertThat(pods)
        .allSatisfy(
            pod -> {
              assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web");
              assertThat(pod.getMetadata().getOwnerReferences())
                  .singleElement()
                  .satisfies(
                      owner -> {
                        assertThat(owner.getKind()).isEqualTo("Deployment");
                        assertThat(owner.getName()).isEqualTo("web");
                        assertThat(owner.getUid()).isEqualTo(ready.getMetadata().getUid());
                      });
              assertThat(pod.getSpec().getNodeName()).isIn(cluster.kubelet().nodeNames());
              assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
              assertThat(pod.getStatus().getContainerStatuses())
                  .singleElement()
                  .satisfies(
                      container -> {
                        assertThat(container.getImage()).isEqualTo(GOOD_IMAGE);
                        assertThat(container.getReady()).isTrue();
                        assertThat(container.getRestartCount()).isZero();
                        assertThat(container.getState().getRunning()).isNotNull();
                      });
            });
  }

  @Test
  void rolloutPassesThroughAnUnreadyStateBeforeItIsReady() {
    cluster.kubelet().rolloutDelay(Duration.ofMillis(600));
    service.resource(deployment("web", 2, GOOD_IMAGE)).create();

    Deployment starting =
        awaitDeployment(
            "web",
            d ->
                observed(d)
                    && count(d.getStatus().getUpdatedReplicas()) == 2
                    && count(d.getStatus().getReadyReplicas()) == 0);

    assertThat(condition(starting, "Available"))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    assertThat(condition(starting, "Progressing"))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("ReplicaSetUpdated"));
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);
  }

  @Test
  void imageUpdateRollsOutTheNewImageAndBecomesReadyAgain() {
    service.resource(deployment("web", 3, GOOD_IMAGE)).create();
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);

    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName("web")
        .rolling()
        .updateImage(NEXT_IMAGE);

    Deployment updated =
        awaitDeployment("web", d -> rolledOut(d) && d.getMetadata().getGeneration() == 2L);
    assertThat(updated.getStatus().getObservedGeneration()).isEqualTo(2L);
    List<Pod> pods =
        awaitPods(
            "web",
            list ->
                list.size() == 3
                    && list.stream().allMatch(SimulatedKubeletTest::podReady)
                    && list.stream().allMatch(pod -> image(pod).equals(NEXT_IMAGE)));
    assertThat(pods).extracting(SimulatedKubeletTest::restarts).containsOnly(0);
  }

  @Test
  void imageMarkedFaultyCrashLoopsUntilRolledBack() {
    cluster.kubelet().markFaulty(FAULTY_IMAGE);
    Deployment bad =
        new DeploymentBuilder(deployment("web", 3, FAULTY_IMAGE))
            .editSpec()
            .withProgressDeadlineSeconds(60)
            .endSpec()
            .build();
    service.resource(bad).create();

    Deployment stuck =
        awaitDeployment(
            "web",
            d ->
                condition(d, "Progressing")
                    .filter(c -> "ProgressDeadlineExceeded".equals(c.getReason()))
                    .isPresent());
    assertThat(condition(stuck, "Progressing").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(condition(stuck, "Available").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(stuck.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(count(stuck.getStatus().getUpdatedReplicas())).isEqualTo(3);
    assertThat(count(stuck.getStatus().getReadyReplicas())).isZero();
    assertThat(count(stuck.getStatus().getAvailableReplicas())).isZero();
    assertThat(stuck.getStatus().getUnavailableReplicas()).isEqualTo(3);
    assertCrashLooping(awaitPods("web", crashLooping(3, 2)));

    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName("web")
        .edit(
            d ->
                new DeploymentBuilder(d)
                    .editSpec()
                    .editTemplate()
                    .editSpec()
                    .editFirstContainer()
                    .withImage(GOOD_IMAGE)
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build());

    awaitDeployment("web", d -> rolledOut(d) && d.getMetadata().getGeneration() == 2L);
    assertThat(
            awaitPods(
                "web",
                list -> list.size() == 3 && list.stream().allMatch(SimulatedKubeletTest::podReady)))
        .extracting(SimulatedKubeletTest::image)
        .containsOnly(GOOD_IMAGE);
  }

  @Test
  void imageWithCrashloopTagNeverBecomesReady() {
    service.resource(deployment("web", 2, "registry.example.com/app:2.0.0-crashloop")).create();

    List<Pod> pods = awaitPods("web", crashLooping(2, 1));

    assertCrashLooping(pods);
    Deployment deployment =
        service.apps().deployments().inNamespace(NAMESPACE).withName("web").get();
    assertThat(observed(deployment)).isTrue();
    assertThat(count(deployment.getStatus().getReadyReplicas())).isZero();
    assertThat(rolledOut(deployment)).isFalse();
  }

  @Test
  void scalingToZeroDeletesThePods() {
    service.resource(deployment("web", 2, GOOD_IMAGE)).create();
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);
    awaitPods("web", list -> list.size() == 2);

    service.apps().deployments().inNamespace(NAMESPACE).withName("web").scale(0);

    awaitPods("web", List::isEmpty);
    Deployment scaled = awaitDeployment("web", d -> rolledOut(d) && d.getSpec().getReplicas() == 0);
    assertThat(scaled.getStatus().getReplicas()).isNull();
    assertThat(condition(scaled, "Available").orElseThrow().getStatus()).isEqualTo("True");
  }

  @Test
  void podDeletedBySomeoneElseIsReplacedAndDeletingTheDeploymentDeletesItsPods() {
    service.resource(deployment("web", 2, GOOD_IMAGE)).create();
    List<Pod> pods =
        awaitPods(
            "web",
            list -> list.size() == 2 && list.stream().allMatch(SimulatedKubeletTest::podReady));
    String victim = pods.get(0).getMetadata().getName();

    service.pods().inNamespace(NAMESPACE).withName(victim).delete();

    awaitPods(
        "web",
        list ->
            list.size() == 2
                && list.stream().allMatch(SimulatedKubeletTest::podReady)
                && list.stream().noneMatch(pod -> pod.getMetadata().getName().equals(victim)));

    service.apps().deployments().inNamespace(NAMESPACE).withName("web").delete();

    awaitPods("web", List::isEmpty);
  }

  @Test
  void updateOfTheObjectKeepsTheStatusTheKubeletWrote() {
    service.resource(deployment("web", 2, GOOD_IMAGE)).create();
    Deployment ready = awaitDeployment("web", SimulatedKubeletTest::rolledOut);

    Deployment relabelled =
        new DeploymentBuilder(ready)
            .editMetadata()
            .addToLabels("lockstep.dev/upgrade", "u-1")
            .endMetadata()
            .withStatus(null)
            .build();
    Deployment stored = service.resource(relabelled).update();

    assertThat(stored.getStatus().getReadyReplicas()).isEqualTo(2);
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void kubeletWritesStatusOnlyWhenItChanges() {
    service.resource(deployment("web", 2, GOOD_IMAGE)).create();
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);
    OperationLog.Query webStatusWrites =
        cluster.operations().query().bySimulator().kind("Deployment").name("web");
    int writesWhenReady = webStatusWrites.count();

    // A metadata change wakes the kubelet up for "web" without changing what its status should be.
    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName("web")
        .edit(
            d ->
                new DeploymentBuilder(d)
                    .editMetadata()
                    .addToLabels("team", "a")
                    .endMetadata()
                    .build());
    // The kubelet handles events one at a time in order: once "later" is ready, "web" was handled.
    service.resource(deployment("later", 1, GOOD_IMAGE)).create();
    awaitDeployment("later", SimulatedKubeletTest::rolledOut);

    assertThat(webStatusWrites.count()).isEqualTo(writesWhenReady);
    assertThat(webStatusWrites.list()).allSatisfy(op -> assertThat(op.isStatusWrite()).isTrue());
  }

  @Test
  void statefulSetBecomesReadyWithOrderedPods() {
    StatefulSet statefulSet =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("db")
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .withServiceName("db")
            .withNewSelector()
            .addToMatchLabels("app", "db")
            .endSelector()
            .withTemplate(template("db", "registry.example.com/db:15"))
            .endSpec()
            .build();
    service.resource(statefulSet).create();

    StatefulSet ready =
        service
            .apps()
            .statefulSets()
            .inNamespace(NAMESPACE)
            .withName("db")
            .waitUntilCondition(
                s ->
                    s != null
                        && s.getStatus() != null
                        && Objects.equals(
                            s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration())
                        && count(s.getStatus().getReadyReplicas()) == 3,
                WAIT_SECONDS,
                TimeUnit.SECONDS);

    assertThat(ready.getStatus().getReplicas()).isEqualTo(3);
    assertThat(ready.getStatus().getCurrentReplicas()).isEqualTo(3);
    assertThat(ready.getStatus().getUpdatedReplicas()).isEqualTo(3);
    assertThat(ready.getStatus().getAvailableReplicas()).isEqualTo(3);
    assertThat(ready.getStatus().getCurrentRevision())
        .startsWith("db-")
        .isEqualTo(ready.getStatus().getUpdateRevision());
    assertThat(awaitPods("db", list -> list.size() == 3))
        .extracting(pod -> pod.getMetadata().getName())
        .containsExactlyInAnyOrder("db-0", "db-1", "db-2");
  }

  @Test
  void daemonSetRunsOneReadyPodPerNode() {
    DaemonSet daemonSet =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("agent")
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "agent")
            .endSelector()
            .withTemplate(template("agent", "registry.example.com/agent:3.1"))
            .endSpec()
            .build();
    service.resource(daemonSet).create();

    DaemonSet ready =
        service
            .apps()
            .daemonSets()
            .inNamespace(NAMESPACE)
            .withName("agent")
            .waitUntilCondition(
                d ->
                    d != null
                        && d.getStatus() != null
                        && Objects.equals(
                            d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration())
                        && count(d.getStatus().getNumberReady()) == 3,
                WAIT_SECONDS,
                TimeUnit.SECONDS);

    assertThat(ready.getStatus().getDesiredNumberScheduled()).isEqualTo(3);
    assertThat(ready.getStatus().getCurrentNumberScheduled()).isEqualTo(3);
    assertThat(ready.getStatus().getUpdatedNumberScheduled()).isEqualTo(3);
    assertThat(ready.getStatus().getNumberAvailable()).isEqualTo(3);
    assertThat(awaitPods("agent", list -> list.size() == 3))
        .extracting(pod -> pod.getSpec().getNodeName())
        .containsExactlyInAnyOrderElementsOf(cluster.kubelet().nodeNames());
  }

  @Test
  void jobSucceedsByDefault() {
    service.resource(job("migrate", "registry.example.com/migrate:1.0.0")).create();

    Job done = awaitJob("migrate", j -> jobCondition(j, "Complete").isPresent());

    assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(done.getStatus().getFailed()).isNull();
    assertThat(done.getStatus().getStartTime()).isNotNull();
    assertThat(done.getStatus().getCompletionTime()).isNotNull();
    assertThat(awaitPods("migrate", list -> list.size() == 1))
        .extracting(pod -> pod.getStatus().getPhase())
        .containsExactly("Succeeded");
  }

  @Test
  void jobWithFaultyImageOrChosenToFailFails() {
    cluster.kubelet().markFaulty("registry.example.com/migrate:2.0.0");
    cluster.kubelet().failJobs(job -> job.getMetadata().getName().equals("chosen"));
    service.resource(job("faulty", "registry.example.com/migrate:2.0.0")).create();
    service.resource(job("chosen", "registry.example.com/migrate:1.0.0")).create();

    for (String name : List.of("faulty", "chosen")) {
      Job failed = awaitJob(name, j -> jobCondition(j, "Failed").isPresent());
      assertThat(failed.getStatus().getFailed()).isEqualTo(1);
      assertThat(failed.getStatus().getSucceeded()).isNull();
      assertThat(jobCondition(failed, "Failed").orElseThrow().getReason())
          .isEqualTo("BackoffLimitExceeded");
      assertThat(jobCondition(failed, "Complete")).isEmpty();
    }
  }

  @Test
  void aJobsWorkIsDoneBeforeItSucceedsOnceAndWorkThatThrowsFailsIt() {
    List<String> done = new java.util.concurrent.CopyOnWriteArrayList<>();
    cluster
        .kubelet()
        .onJob(
            job -> job.getMetadata().getName().startsWith("migrate"),
            job -> {
              done.add(job.getMetadata().getName());
              if (job.getMetadata().getName().equals("migrate-broken")) {
                throw new IllegalStateException("the schema is locked");
              }
            });
    service.resource(job("migrate", "registry.example.com/migrate:2.0.0")).create();
    service.resource(job("migrate-broken", "registry.example.com/migrate:2.0.0")).create();
    service.resource(job("other", "registry.example.com/migrate:2.0.0")).create();

    Job succeeded = awaitJob("migrate", j -> jobCondition(j, "Complete").isPresent());
    assertThat(succeeded.getStatus().getSucceeded()).isEqualTo(1);
    awaitJob("migrate-broken", j -> jobCondition(j, "Failed").isPresent());
    awaitJob("other", j -> jobCondition(j, "Complete").isPresent());
    assertThat(done).containsExactlyInAnyOrder("migrate", "migrate-broken");
  }

  @Test
  void operationLogCountsExactlyTheMutationsOfTheCodeUnderTest() {
    service.resource(deployment("web", 3, GOOD_IMAGE)).create();
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);
    service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName("web")
        .rolling()
        .updateImage(NEXT_IMAGE);
    awaitDeployment("web", d -> rolledOut(d) && d.getMetadata().getGeneration() == 2L);
    awaitPods(
        "web",
        list -> list.size() == 3 && list.stream().allMatch(p -> image(p).equals(NEXT_IMAGE)));

    OperationLog log = cluster.operations();
    assertThat(log.byCodeUnderTest())
        .extracting(ClusterOperation::method, ClusterOperation::kind, ClusterOperation::name)
        .containsExactly(tuple("POST", "Deployment", "web"), tuple("PATCH", "Deployment", "web"));
    assertThat(log.byCodeUnderTest())
        .allSatisfy(
            op -> {
              assertThat(op.actor()).isEqualTo(OperationLog.DEFAULT_ACTOR);
              assertThat(op.namespace()).isEqualTo(NAMESPACE);
              assertThat(op.subresource()).isNull();
              assertThat(op.succeeded()).isTrue();
            });
    assertThat(log.query().byCodeUnderTest().method("POST").kind("Deployment").count())
        .isEqualTo(1);
    assertThat(log.query().byCodeUnderTest().method("PUT", "PATCH").name("web").count())
        .isEqualTo(1);

    OperationLog.Query kubelet = log.query().actor(SimulatedKubelet.ACTOR);
    assertThat(kubelet.method("POST").kind("Pod").count()).isEqualTo(6);
    assertThat(kubelet.method("DELETE").kind("Pod").count()).isEqualTo(3);
    assertThat(kubelet.method("PUT").kind("Deployment").subresource("status").count())
        .isGreaterThanOrEqualTo(2);
    assertThat(log.bySimulator()).allSatisfy(op -> assertThat(op.byCodeUnderTest()).isFalse());
    assertThat(log.query().kind("Deployment").where(ClusterOperation::isStatusWrite).list())
        .isNotEmpty()
        .allSatisfy(op -> assertThat(op.actor()).isEqualTo(SimulatedKubelet.ACTOR));
    assertThat(log.all())
        .hasSize(log.byCodeUnderTest().size() + log.bySimulator().size())
        .isSortedAccordingTo(Comparator.comparingLong(ClusterOperation::sequence));
  }

  @Test
  void clearForgetsEarlierOperationsAndLaterOnesAreRecorded() {
    service.resource(deployment("web", 1, GOOD_IMAGE)).create();
    awaitDeployment("web", SimulatedKubeletTest::rolledOut);
    assertThat(cluster.operations().all()).isNotEmpty();

    cluster.operations().clear();

    assertThat(cluster.operations().all()).isEmpty();
    try (KubernetesClient executor = cluster.newClient("executor")) {
      executor
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("plan")
                  .withNamespace(NAMESPACE)
                  .endMetadata()
                  .addToData("step", "1")
                  .build())
          .create();
    }
    assertThat(cluster.operations().byCodeUnderTest())
        .singleElement()
        .satisfies(
            op -> {
              assertThat(op.method()).isEqualTo("POST");
              assertThat(op.kind()).isEqualTo("ConfigMap");
              assertThat(op.resource()).isEqualTo("configmaps");
              assertThat(op.namespace()).isEqualTo(NAMESPACE);
              assertThat(op.name()).isEqualTo("plan");
              assertThat(op.actor()).isEqualTo("executor");
              assertThat(op.statusCode()).isEqualTo(201);
            });
  }

  private Deployment awaitDeployment(String name, Predicate<Deployment> condition) {
    return service
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(name)
        .waitUntilCondition(d -> d != null && condition.test(d), WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private Job awaitJob(String name, Predicate<Job> condition) {
    return service
        .batch()
        .v1()
        .jobs()
        .inNamespace(NAMESPACE)
        .withName(name)
        .waitUntilCondition(j -> j != null && condition.test(j), WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** Waits until the pods labelled {@code app=<app>} match, and returns them. */
  private List<Pod> awaitPods(String app, Predicate<List<Pod>> condition) {
    try {
      return service
          .pods()
          .inNamespace(NAMESPACE)
          .withLabel("app", app)
          .informOnCondition(condition)
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      List<Pod> pods =
          service.pods().inNamespace(NAMESPACE).withLabel("app", app).list().getItems();
      throw new AssertionError("pods of " + app + " did not reach the expected state: " + pods, e);
    }
  }

  private static Predicate<List<Pod>> crashLooping(int pods, int minRestarts) {
    return list ->
        list.size() == pods
            && list.stream()
                .allMatch(
                    pod ->
                        pod.getStatus() != null
                            && "Running".equals(pod.getStatus().getPhase())
                            && restarts(pod) >= minRestarts);
  }

  private static void assertCrashLooping(List<Pod> pods) {
    assertThat(pods)
        .allSatisfy(
            pod -> {
              assertThat(podReady(pod)).isFalse();
              ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
              assertThat(container.getReady()).isFalse();
              assertThat(container.getRestartCount()).isPositive();
              assertThat(container.getState().getWaiting().getReason())
                  .isEqualTo("CrashLoopBackOff");
              assertThat(container.getLastState().getTerminated().getExitCode()).isEqualTo(1);
            });
  }

  private static boolean observed(Deployment d) {
    return d.getStatus() != null
        && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration());
  }

  /** The rollout check of {@code kubectl rollout status}. */
  private static boolean rolledOut(Deployment d) {
    int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    return observed(d)
        && count(d.getStatus().getUpdatedReplicas()) == desired
        && count(d.getStatus().getReplicas()) == desired
        && count(d.getStatus().getReadyReplicas()) == desired
        && count(d.getStatus().getAvailableReplicas()) == desired;
  }

  /** A count as a real API server writes it: absent when zero. */
  private static int count(Integer value) {
    return value == null ? 0 : value;
  }

  private static Optional<DeploymentCondition> condition(Deployment d, String type) {
    return d.getStatus() == null
        ? Optional.empty()
        : d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static Optional<JobCondition> jobCondition(Job j, String type) {
    return j.getStatus() == null
        ? Optional.empty()
        : j.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
            .findFirst();
  }

  private static boolean podReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(PodCondition::getStatus)
            .anyMatch("True"::equals);
  }

  private static int restarts(Pod pod) {
    return pod.getStatus() == null
        ? 0
        : pod.getStatus().getContainerStatuses().stream()
            .mapToInt(ContainerStatus::getRestartCount)
            .sum();
  }

  private static String image(Pod pod) {
    return pod.getSpec().getContainers().get(0).getImage();
  }

  private static Deployment deployment(String name, int replicas, String image) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withTemplate(template(name, image))
        .endSpec()
        .build();
  }

  private static Job job(String name, String image) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withTemplate(
            new PodTemplateSpecBuilder(template(name, image))
                .editSpec()
                .withRestartPolicy("Never")
                .endSpec()
                .build())
        .endSpec()
        .build();
  }

  private static PodTemplateSpec template(String app, String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(app)
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }
}
