package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the operator of a sample operator-managed system, the {@code RokCluster} ({@value
 * #API_VERSION}), the way real operators (Strimzi, CloudNativePG, ...) upgrade what they manage:
 * when a resource's {@code spec.version} differs from the {@code status.version} it runs, the
 * operator starts an upgrade Job (which the {@link SimulatedKubelet} runs), and when the Job
 * succeeds it moves {@code status.version} to the requested version with {@code status.health: OK}.
 * For a version {@linkplain #markFaulty marked faulty}, or when the Job fails, it reports {@code
 * status.health: Failed} (condition {@code Ready=False}, reason {@code UpgradeFailed}) and leaves
 * {@code status.version} at the version that still runs. Setting {@code spec.version} back to the
 * running version (a rollback) makes it healthy again; a downgrade runs a Job like an upgrade. A
 * new resource starts at its requested version at once.
 *
 * <p>The status it writes: {@code version}, {@code health} ({@value #HEALTH_OK}, {@value
 * #HEALTH_UPGRADING}, {@value #HEALTH_FAILED}), {@code phase}, {@code observedGeneration}, {@code
 * upgradeJob} and a {@code Ready} condition. On {@link #start()} it installs the RokCluster
 * CustomResourceDefinition (with the status subresource, so that an update of the resource keeps
 * the status it wrote, as on a real API server) unless it is there. All its requests carry the
 * actor {@value #ACTOR}, so the {@link OperationLog} counts them as the simulator's.
 */
public final class SimulatedOperator implements AutoCloseable {

  /** The actor name of its requests in the {@link OperationLog}. */
  public static final String ACTOR = "simulated-operator";

  /** The API group of the resource. */
  public static final String GROUP = "data.example.com";

  /** The API version of the resource. */
  public static final String API_VERSION = GROUP + "/v1";

  /** The kind of the resource. */
  public static final String KIND = "RokCluster";

  /** The resource, for fabric8's generic client. */
  public static final ResourceDefinitionContext ROK_CLUSTERS =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion("v1")
          .withKind(KIND)
          .withPlural("rokclusters")
          .withNamespaced(true)
          .build();

  /** {@code status.health} of a cluster that runs its requested version. */
  public static final String HEALTH_OK = "OK";

  /** {@code status.health} while an upgrade Job runs. */
  public static final String HEALTH_UPGRADING = "Upgrading";

  /** {@code status.health} after an upgrade failed; the old version still runs. */
  public static final String HEALTH_FAILED = "Failed";

  /** The label on an upgrade Job naming its cluster. */
  public static final String CLUSTER_LABEL = GROUP + "/cluster";

  /** The label on an upgrade Job naming the version it upgrades to. */
  public static final String VERSION_LABEL = GROUP + "/version";

  /** The image repository of upgrade Jobs unless {@linkplain #upgradeImage told}. */
  public static final String DEFAULT_UPGRADE_IMAGE = "registry.example.com/rok-upgrade";

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedOperator.class);
  private static final Duration CONFLICT_RETRY = Duration.ofMillis(10);
  private static final int MAX_ATTEMPTS = 8;

  private final SimulatedCluster cluster;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Set<String> faultyVersions = ConcurrentHashMap.newKeySet();
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
  private volatile String upgradeImage = DEFAULT_UPGRADE_IMAGE;
  private KubernetesClient client;
  private volatile boolean running;
  private boolean closed;

  /** An operator for the RokClusters of {@code cluster}, with the system clock. */
  public SimulatedOperator(SimulatedCluster cluster) {
    this(cluster, Clock.systemUTC());
  }

  /** An operator whose condition times come from {@code clock}. */
  public SimulatedOperator(SimulatedCluster cluster, Clock clock) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, ACTOR);
              thread.setDaemon(true);
              return thread;
            });
  }

  /** The image repository of upgrade Jobs; the tag is the target version. */
  public SimulatedOperator upgradeImage(String repository) {
    this.upgradeImage = Objects.requireNonNull(repository, "repository");
    return this;
  }

  /**
   * Makes upgrades to {@code version} fail: the Job runs, then the operator reports {@value
   * #HEALTH_FAILED} and keeps the old version.
   */
  public SimulatedOperator markFaulty(String version) {
    faultyVersions.add(Objects.requireNonNull(version, "version"));
    return this;
  }

  /** Undoes {@link #markFaulty} for upgrades started from now on. */
  public SimulatedOperator markHealthy(String version) {
    faultyVersions.remove(version);
    return this;
  }

  /** Whether upgrades to {@code version} fail. */
  public boolean isFaulty(String version) {
    return faultyVersions.contains(version);
  }

  /** Forgets every faulty version. */
  public SimulatedOperator clearFaults() {
    faultyVersions.clear();
    return this;
  }

  /**
   * Installs the CustomResourceDefinition if needed and starts watching RokClusters and their Jobs
   * in every namespace; the cluster must have been started. Resources that exist already are
   * reconciled too.
   *
   * @return this operator
   */
  public synchronized SimulatedOperator start() {
    if (client != null || closed) {
      throw new IllegalStateException("a simulated operator starts once");
    }
    client = cluster.newClient(ACTOR);
    installDefinition(client);
    running = true;
    informers.add(
        client
            .genericKubernetesResources(ROK_CLUSTERS)
            .inAnyNamespace()
            .inform(
                handler(
                    resource ->
                        reconcileSoon(
                            resource.getMetadata().getNamespace(),
                            resource.getMetadata().getName())),
                0));
    informers.add(
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .inform(
                handler(
                    job -> {
                      Map<String, String> labels = job.getMetadata().getLabels();
                      String owner = labels == null ? null : labels.get(CLUSTER_LABEL);
                      if (owner != null) {
                        reconcileSoon(job.getMetadata().getNamespace(), owner);
                      }
                    }),
                0));
    return this;
  }

  /** Stops watching and closes its client. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        LOG.debug("Stopping an informer of the simulated operator failed: {}", e.toString());
      }
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (client != null) {
      client.close();
    }
  }

  /**
   * Installs the RokCluster CustomResourceDefinition (with the status subresource) unless it is
   * there: tests that create RokClusters without running the operator call this first.
   */
  public static void installDefinition(KubernetesClient client) {
    var definitions = client.apiextensions().v1().customResourceDefinitions();
    if (definitions.withName(definition().getMetadata().getName()).get() == null) {
      try {
        definitions.resource(definition()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
    }
  }

  /** The RokCluster CustomResourceDefinition. */
  public static CustomResourceDefinition definition() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(ROK_CLUSTERS.getPlural() + "." + GROUP)
        .endMetadata()
        .withNewSpec()
        .withGroup(GROUP)
        .withScope("Namespaced")
        .withNewNames()
        .withKind(KIND)
        .withListKind(KIND + "List")
        .withPlural(ROK_CLUSTERS.getPlural())
        .withSingular(KIND.toLowerCase(Locale.ROOT))
        .endNames()
        .addNewVersion()
        .withName("v1")
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  /**
   * A new RokCluster asking for {@code version}, with three nodes and a storage size, to create in
   * a test.
   */
  public static GenericKubernetesResource rokCluster(
      String namespace, String name, String version) {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(API_VERSION);
    resource.setKind(KIND);
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("version", version);
    spec.put("nodes", 3);
    spec.put("storage", new LinkedHashMap<>(Map.of("size", "10Gi")));
    resource.getAdditionalProperties().put("spec", spec);
    return resource;
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> ResourceEventHandler<T> handler(
      java.util.function.Consumer<T> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        seen.accept(object);
      }

      @Override
      public void onUpdate(T before, T after) {
        seen.accept(after);
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        // Nothing to clean up: the Jobs of a deleted cluster are left as they are.
      }
    };
  }

  private void reconcileSoon(String namespace, String name) {
    if (!running) {
      return;
    }
    schedule(() -> reconcile(namespace, name, 1), Duration.ZERO);
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      LOG.debug("The simulated operator has stopped");
    }
  }

  /** Brings one cluster's status (and its upgrade Job) in line with its spec. */
  private void reconcile(String namespace, String name, int attempt) {
    if (!running) {
      return;
    }
    try {
      GenericKubernetesResource resource =
          client
              .genericKubernetesResources(ROK_CLUSTERS)
              .inNamespace(namespace)
              .withName(name)
              .get();
      if (resource == null) {
        return;
      }
      Map<String, Object> spec = map(resource.getAdditionalProperties().get("spec"));
      Object wanted = spec == null ? null : spec.get("version");
      if (wanted == null) {
        return;
      }
      String desired = wanted.toString();
      Map<String, Object> old = map(resource.getAdditionalProperties().get("status"));
      Map<String, Object> status = old == null ? new LinkedHashMap<>() : new LinkedHashMap<>(old);
      Object runs = status.get("version");
      long generation =
          resource.getMetadata().getGeneration() == null
              ? 0
              : resource.getMetadata().getGeneration();
      if (runs == null || desired.equals(runs.toString())) {
        status.put("version", desired);
        if (!HEALTH_OK.equals(status.get("health"))) {
          healthy(status, old, "Running", "running version " + desired);
        }
      } else {
        upgrade(resource, status, old, runs.toString(), desired, generation);
      }
      // As JSON reads it back (an int where it fits), so that an unchanged status compares equal.
      status.put(
          "observedGeneration",
          generation <= Integer.MAX_VALUE ? (Object) (int) generation : (Object) generation);
      if (!status.equals(old)) {
        resource.getAdditionalProperties().put("status", status);
        client
            .genericKubernetesResources(ROK_CLUSTERS)
            .inNamespace(namespace)
            .resource(resource)
            .updateStatus();
      }
    } catch (KubernetesClientException e) {
      if (!running) {
        return;
      }
      if (attempt >= MAX_ATTEMPTS) {
        LOG.warn("Giving up on RokCluster {}/{}: {}", namespace, name, e.toString());
      } else {
        Duration retry =
            e.getCode() == HttpURLConnection.HTTP_CONFLICT
                ? CONFLICT_RETRY
                : Duration.ofMillis(50L * attempt);
        schedule(() -> reconcile(namespace, name, attempt + 1), retry);
      }
    }
  }

  /** Runs (or follows) the Job that moves the cluster from {@code runs} to {@code desired}. */
  private void upgrade(
      GenericKubernetesResource resource,
      Map<String, Object> status,
      Map<String, Object> old,
      String runs,
      String desired,
      long generation) {
    String namespace = resource.getMetadata().getNamespace();
    String jobName = jobName(resource.getMetadata().getName(), desired, generation);
    status.put("upgradeJob", jobName);
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    if (job == null) {
      createJob(resource, jobName, runs, desired);
      upgrading(status, old, runs, desired);
      return;
    }
    if (failed(job)) {
      failed(status, old, "upgrade Job " + jobName + " failed; version " + runs + " still runs");
    } else if (succeeded(job)) {
      if (faultyVersions.contains(desired)) {
        failed(
            status,
            old,
            "version "
                + desired
                + " did not come up after Job "
                + jobName
                + " (simulated fault); version "
                + runs
                + " still runs");
      } else {
        status.put("version", desired);
        healthy(status, old, "Upgraded", "upgraded from " + runs + " to " + desired);
      }
    } else {
      upgrading(status, old, runs, desired);
    }
  }

  private void createJob(
      GenericKubernetesResource resource, String jobName, String runs, String desired) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(CLUSTER_LABEL, resource.getMetadata().getName());
    labels.put(VERSION_LABEL, desired);
    labels.put("app.kubernetes.io/managed-by", ACTOR);
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(jobName)
            .withNamespace(resource.getMetadata().getNamespace())
            .withLabels(labels)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(API_VERSION)
                    .withKind(KIND)
                    .withName(resource.getMetadata().getName())
                    .withUid(resource.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("upgrade")
            .withImage(upgradeImage + ":" + desired)
            .withArgs("--from", runs, "--to", desired)
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    try {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .resource(job)
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  /** A Job name unique to the cluster, version and generation, at most 63 characters. */
  static String jobName(String cluster, String version, long generation) {
    String suffix =
        "-to-" + version.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-g" + generation;
    String prefix = cluster;
    if (prefix.length() + suffix.length() > 63) {
      prefix = prefix.substring(0, Math.max(1, 63 - suffix.length()));
    }
    return (prefix + suffix).replaceAll("-+", "-");
  }

  private void healthy(
      Map<String, Object> status, Map<String, Object> old, String reason, String message) {
    status.put("health", HEALTH_OK);
    status.put("phase", "Running");
    status.put("conditions", List.of(ready(old, "True", reason, message)));
  }

  private void upgrading(
      Map<String, Object> status, Map<String, Object> old, String runs, String desired) {
    status.put("health", HEALTH_UPGRADING);
    status.put("phase", "Upgrading");
    status.put(
        "conditions",
        List.of(
            ready(
                old,
                "False",
                "Upgrading",
                "upgrading from "
                    + runs
                    + " to "
                    + desired
                    + " (Job "
                    + status.get("upgradeJob")
                    + ")")));
  }

  private void failed(Map<String, Object> status, Map<String, Object> old, String message) {
    status.put("health", HEALTH_FAILED);
    status.put("phase", "Failed");
    status.put("conditions", List.of(ready(old, "False", "UpgradeFailed", message)));
  }

  /** The Ready condition; its transition time moves only when its status does. */
  private Map<String, Object> ready(
      Map<String, Object> old, String value, String reason, String message) {
    Map<String, Object> previous = null;
    if (old != null && old.get("conditions") instanceof List<?> conditions) {
      for (Object item : conditions) {
        Map<String, Object> condition = map(item);
        if (condition != null && "Ready".equals(condition.get("type"))) {
          previous = condition;
        }
      }
    }
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "Ready");
    condition.put("status", value);
    condition.put("reason", reason);
    condition.put("message", message);
    condition.put(
        "lastTransitionTime",
        previous != null && value.equals(previous.get("status"))
            ? previous.get("lastTransitionTime")
            : Timestamps.format(clock.instant()));
    return condition;
  }

  private static boolean succeeded(Job job) {
    return job.getStatus() != null
        && job.getStatus().getSucceeded() != null
        && job.getStatus().getSucceeded() > 0;
  }

  private static boolean failed(Job job) {
    if (job.getStatus() == null) {
      return false;
    }
    if (job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0) {
      return true;
    }
    List<JobCondition> conditions =
        job.getStatus().getConditions() == null
            ? new ArrayList<>()
            : job.getStatus().getConditions();
    return conditions.stream()
        .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> ? (Map<String, Object>) value : null;
  }
}
