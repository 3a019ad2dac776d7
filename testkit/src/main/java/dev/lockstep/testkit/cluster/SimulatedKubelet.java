package dev.lockstep.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the control plane and the kubelets of the {@link SimulatedCluster}: it watches Deployments,
 * StatefulSets, DaemonSets and Jobs in all namespaces, runs Pod objects for them and writes their
 * {@code .status} the way the real controllers do, so code that waits for rollouts, checks pods or
 * runs Jobs behaves as it would against a real cluster.
 *
 * <p>A bad release is simulated by marking an image faulty ({@link #markFaulty}) or giving it a tag
 * that ends in {@value #CRASHLOOP_TAG_SUFFIX}: its pods crash-loop and never become ready, and a
 * Job that runs it fails. Rollouts replace all pods of the old template at once (no surge), and the
 * settings apply to pods created after they change. {@code observedGeneration} is the object's
 * {@code metadata.generation}, which the mock server keeps as a real one does (1 on create, one
 * more on every change outside metadata and status). All its requests carry the actor {@value
 * #ACTOR}, so the {@link OperationLog} tells them apart.
 */
public final class SimulatedKubelet {

  /** The actor name of the kubelet's requests in the {@link OperationLog}. */
  public static final String ACTOR = "simulated-kubelet";

  /** Images whose tag ends in this suffix are faulty without being marked. */
  public static final String CRASHLOOP_TAG_SUFFIX = "-crashloop";

  /** Default time from a pod's creation to its containers running. */
  public static final Duration DEFAULT_ROLLOUT_DELAY = Duration.ofMillis(40);

  /** Default time a Job's container runs before it exits. */
  public static final Duration DEFAULT_JOB_DURATION = Duration.ofMillis(40);

  /** Default first crash-loop back-off. */
  public static final Duration DEFAULT_CRASH_LOOP_BACK_OFF = Duration.ofMillis(50);

  /** Default length of one second of a spec's time field, such as progressDeadlineSeconds. */
  public static final Duration DEFAULT_TIME_SCALE = Duration.ofMillis(1);

  /** Default number of nodes. */
  public static final int DEFAULT_NODE_COUNT = 3;

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedKubelet.class);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final String NODE_PREFIX = "sim-node-";
  private static final Duration CONFLICT_RETRY = Duration.ofMillis(5);
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final char[] NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789".toCharArray();

  private final Clock clock;
  private final Supplier<String> kubernetesVersion;
  private final ScheduledExecutorService executor;
  private final Set<String> faultyImages = ConcurrentHashMap.newKeySet();
  private final List<Predicate<? super Job>> failingJobs = new CopyOnWriteArrayList<>();
  private final List<String> nodes = new CopyOnWriteArrayList<>();
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();

  /** Owner of every pod the kubelet runs, by pod uid; an entry goes when the pod is deleted. */
  private final Map<String, WorkloadKey> podOwners = new ConcurrentHashMap<>();

  // Touched only on the executor thread.
  private final Map<WorkloadKey, WorkloadState> workloads = new HashMap<>();
  private final Map<WorkloadKey, Integer> failures = new HashMap<>();
  private int podCounter;

  // Guarded by itself: the pending reconcile of each workload, by due time in nanoTime.
  private final Map<WorkloadKey, Long> dueAt = new HashMap<>();
  private final Map<WorkloadKey, ScheduledFuture<?>> timers = new HashMap<>();

  private volatile Duration rolloutDelay = DEFAULT_ROLLOUT_DELAY;
  private volatile Duration jobDuration = DEFAULT_JOB_DURATION;
  private volatile Duration crashLoopBackOff = DEFAULT_CRASH_LOOP_BACK_OFF;
  private volatile Duration timeScale = DEFAULT_TIME_SCALE;
  private volatile int nodeCount = DEFAULT_NODE_COUNT;
  private volatile boolean running;
  private volatile KubernetesClient client;

  SimulatedKubelet(Clock clock, Supplier<String> kubernetesVersion) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.kubernetesVersion = Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, ACTOR);
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Time from a pod's creation to its containers running (and, if healthy, ready). */
  public SimulatedKubelet rolloutDelay(Duration delay) {
    this.rolloutDelay = nonNegative(delay, "delay");
    return this;
  }

  /** Time a Job's container runs before it succeeds or fails. */
  public SimulatedKubelet jobDuration(Duration duration) {
    this.jobDuration = nonNegative(duration, "duration");
    return this;
  }

  /** The first back-off of a crash-looping container; it doubles after each restart. */
  public SimulatedKubelet crashLoopBackOff(Duration backOff) {
    this.crashLoopBackOff = nonNegative(backOff, "backOff");
    return this;
  }

  /**
   * How long one second of a spec's time field lasts here, e.g. {@code progressDeadlineSeconds}.
   * The default of 1 ms makes the default 600 s progress deadline pass in 0.6 s.
   */
  public SimulatedKubelet timeScale(Duration oneSecond) {
    this.timeScale = nonNegative(oneSecond, "oneSecond");
    return this;
  }

  /** Sets the number of nodes (at least 1); DaemonSets follow. */
  public SimulatedKubelet nodeCount(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
    }
    this.nodeCount = count;
    if (running) {
      try {
        submit(this::syncNodes);
      } catch (RejectedExecutionException stopped) {
        LOG.debug("The simulated kubelet has stopped; node count {} not applied", count);
      }
    }
    return this;
  }

  /** The names of the simulated nodes. */
  public List<String> nodeNames() {
    return List.copyOf(nodes);
  }

  /** Makes pods created from now on with exactly this image crash-loop, and Jobs with it fail. */
  public SimulatedKubelet markFaulty(String image) {
    faultyImages.add(Objects.requireNonNull(image, "image"));
    return this;
  }

  /** Undoes {@link #markFaulty} for pods created from now on. */
  public SimulatedKubelet markHealthy(String image) {
    faultyImages.remove(image);
    return this;
  }

  /** Whether pods with this image crash-loop: marked faulty, or a tag ending in -crashloop. */
  public boolean isFaulty(String image) {
    return image != null
        && (faultyImages.contains(image) || Images.tag(image).endsWith(CRASHLOOP_TAG_SUFFIX));
  }

  /** Makes Jobs that match {@code which} when first seen fail instead of succeed. */
  public SimulatedKubelet failJobs(Predicate<? super Job> which) {
    failingJobs.add(Objects.requireNonNull(which, "which"));
    return this;
  }

  /** Forgets every faulty image and Job failure rule. */
  public SimulatedKubelet clearFaults() {
    faultyImages.clear();
    failingJobs.clear();
    return this;
  }

  /**
   * Creates the nodes and starts watching through {@code kubeletClient}, which it then owns;
   * returns once the watches run.
   */
  void start(KubernetesClient kubeletClient) {
    if (client != null) {
      throw new IllegalStateException("the simulated kubelet runs only once");
    }
    client = Objects.requireNonNull(kubeletClient, "kubeletClient");
    running = true;
    await(submit(this::syncNodes));
    informers.add(
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .inform(workloadEvents(WorkloadKind.DEPLOYMENT), 0));
    informers.add(
        client
            .apps()
            .statefulSets()
            .inAnyNamespace()
            .inform(workloadEvents(WorkloadKind.STATEFUL_SET), 0));
    informers.add(
        client
            .apps()
            .daemonSets()
            .inAnyNamespace()
            .inform(workloadEvents(WorkloadKind.DAEMON_SET), 0));
    informers.add(
        client.batch().v1().jobs().inAnyNamespace().inform(workloadEvents(WorkloadKind.JOB), 0));
    informers.add(client.pods().inAnyNamespace().inform(podEvents(), 0));
  }

  /** Stops watching and writing, and closes the kubelet's client. */
  void stop() {
    running = false;
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        LOG.debug("Stopping an informer failed: {}", e.toString());
      }
    }
    informers.clear();
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("The simulated kubelet did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (client != null) {
      client.close();
    }
  }

  private ResourceEventHandler<HasMetadata> workloadEvents(WorkloadKind kind) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata object) {
        enqueue(WorkloadKey.of(kind, object), Duration.ZERO);
      }

      @Override
      public void onUpdate(HasMetadata before, HasMetadata after) {
        enqueue(WorkloadKey.of(kind, after), Duration.ZERO);
      }

      @Override
      public void onDelete(HasMetadata object, boolean finalStateUnknown) {
        enqueue(WorkloadKey.of(kind, object), Duration.ZERO);
      }
    };
  }

  /** Pods deleted by someone else: their owner makes a replacement, as a ReplicaSet would. */
  private ResourceEventHandler<Pod> podEvents() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        // The kubelet creates the pods it runs; others are not its business.
      }

      @Override
      public void onUpdate(Pod before, Pod after) {
        // Status changes are the kubelet's own writes.
      }

      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        WorkloadKey owner = podOwners.remove(pod.getMetadata().getUid());
        if (owner != null) {
          enqueue(owner, Duration.ZERO);
        }
      }
    };
  }

  private ScheduledFuture<?> submit(Runnable task) {
    return executor.schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  private static void await(ScheduledFuture<?> future) {
    try {
      future.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the simulated kubelet", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the simulated kubelet could not start", e);
    }
  }

  /** Reconciles {@code key} after {@code delay}, unless a reconcile is already due sooner. */
  private void enqueue(WorkloadKey key, Duration delay) {
    if (!running) {
      return;
    }
    long delayNanos = Math.max(0, delay.toNanos());
    long due = System.nanoTime() + delayNanos;
    synchronized (dueAt) {
      Long pending = dueAt.get(key);
      if (pending != null && pending - due <= 0) {
        return;
      }
      ScheduledFuture<?> later = timers.remove(key);
      if (later != null) {
        later.cancel(false);
      }
      try {
        timers.put(key, executor.schedule(() -> run(key, due), delayNanos, TimeUnit.NANOSECONDS));
        dueAt.put(key, due);
      } catch (RejectedExecutionException stopping) {
        dueAt.remove(key);
      }
    }
  }

  private void run(WorkloadKey key, long due) {
    synchronized (dueAt) {
      Long pending = dueAt.get(key);
      if (pending != null && pending == due) {
        dueAt.remove(key);
        timers.remove(key);
      }
    }
    reconcileSafely(key);
  }

  private void reconcileSafely(WorkloadKey key) {
    if (!running) {
      return;
    }
    try {
      Optional<Instant> next = reconcile(key);
      failures.remove(key);
      next.ifPresent(at -> enqueue(key, Duration.between(clock.instant(), at)));
    } catch (KubernetesClientException e) {
      if (!running) {
        return;
      }
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND
          || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // The object changed or went away between reading and writing: read it again.
        LOG.debug("{} changed while reconciling ({}), retrying", key, e.getCode());
        enqueue(key, CONFLICT_RETRY);
      } else {
        retryLater(key, e);
      }
    } catch (RuntimeException e) {
      if (running) {
        retryLater(key, e);
      }
    }
  }

  private void retryLater(WorkloadKey key, RuntimeException e) {
    int attempt = failures.merge(key, 1, Integer::sum);
    if (attempt >= MAX_ATTEMPTS) {
      failures.remove(key);
      LOG.warn("Giving up on {} after {} failed attempts", key, attempt, e);
      return;
    }
    LOG.warn("Could not reconcile {} (attempt {}), retrying: {}", key, attempt, e.toString());
    enqueue(key, Duration.ofMillis(50L * attempt));
  }

  /** Brings pods and status of one workload up to date; returns when it next needs a look. */
  private Optional<Instant> reconcile(WorkloadKey key) {
    HasMetadata workload = fetch(key);
    WorkloadState state = workloads.get(key);
    if (workload == null) {
      if (state != null) {
        deletePods(state, pod -> true);
        workloads.remove(key);
      }
      return Optional.empty();
    }
    Instant now = clock.instant();
    String uid = workload.getMetadata().getUid();
    if (state != null && !state.uid.equals(uid)) {
      deletePods(state, pod -> true);
      state = null;
    }
    if (state == null) {
      state = new WorkloadState(key, uid, now);
      workloads.put(key, state);
    }
    WorkloadState current = state;
    // Pods deleted by someone else: forget them so they get replaced.
    current.pods.values().removeIf(pod -> !podOwners.containsKey(pod.uid()));
    return switch (key.kind()) {
      case DEPLOYMENT -> reconcileDeployment((Deployment) workload, current, now);
      case STATEFUL_SET -> reconcileStatefulSet((StatefulSet) workload, current, now);
      case DAEMON_SET -> reconcileDaemonSet((DaemonSet) workload, current, now);
      case JOB -> reconcileJob((Job) workload, current, now);
    };
  }

  private HasMetadata fetch(WorkloadKey key) {
    return switch (key.kind()) {
      case DEPLOYMENT ->
          client.apps().deployments().inNamespace(key.namespace()).withName(key.name()).get();
      case STATEFUL_SET ->
          client.apps().statefulSets().inNamespace(key.namespace()).withName(key.name()).get();
      case DAEMON_SET ->
          client.apps().daemonSets().inNamespace(key.namespace()).withName(key.name()).get();
      case JOB ->
          client.batch().v1().jobs().inNamespace(key.namespace()).withName(key.name()).get();
    };
  }

  private Optional<Instant> reconcileDeployment(
      Deployment deployment, WorkloadState state, Instant now) {
    PodTemplateSpec template = deployment.getSpec().getTemplate();
    String hash = templateHash(template);
    boolean paused = Boolean.TRUE.equals(deployment.getSpec().getPaused());
    if (state.templateHash == null || (!paused && !hash.equals(state.templateHash))) {
      state.rollOut(hash, template, now);
    }
    int desired = WorkloadStatuses.replicas(deployment.getSpec().getReplicas());
    state.desire(desired, now);

    String runningHash = state.templateHash;
    deletePods(state, pod -> !pod.templateHash.equals(runningHash));
    List<SimulatedPod> oldestFirst =
        state.pods.values().stream()
            .sorted(Comparator.comparing((SimulatedPod pod) -> pod.createdAt))
            .toList();
    Set<SimulatedPod> surplus =
        Set.copyOf(oldestFirst.subList(Math.min(desired, oldestFirst.size()), oldestFirst.size()));
    deletePods(state, surplus::contains);
    String prefix = deployment.getMetadata().getName() + "-" + runningHash + "-";
    while (state.pods.size() < desired) {
      createPod(
          state,
          prefix + randomSuffix(),
          nextNode(),
          Map.of("pod-template-hash", runningHash),
          SimulatedPod.Outcome.KEEP_RUNNING,
          now);
    }
    Optional<Instant> podChange = syncPods(state, now);

    WorkloadStatuses.PodCounts counts = counts(state, hash, now);
    Instant deadline =
        WorkloadStatuses.progressDeadline(deployment, state.progressSince, timeScale);
    DeploymentStatus status = WorkloadStatuses.deployment(deployment, hash, counts, deadline, now);
    if (!sameJson(status, deployment.getStatus())) {
      deployment.setStatus(status);
      updateStatus(client.apps().deployments().inNamespace(state.key.namespace()), deployment);
    }
    boolean waitingForDeadline =
        !paused && !WorkloadStatuses.complete(desired, counts) && now.isBefore(deadline);
    return earliest(podChange, waitingForDeadline ? Optional.of(deadline) : Optional.empty());
  }

  private Optional<Instant> reconcileStatefulSet(
      StatefulSet statefulSet, WorkloadState state, Instant now) {
    PodTemplateSpec template = statefulSet.getSpec().getTemplate();
    String hash = templateHash(template);
    if (!hash.equals(state.templateHash)) {
      state.rollOut(hash, template, now);
    }
    int desired = WorkloadStatuses.replicas(statefulSet.getSpec().getReplicas());
    state.desire(desired, now);
    String name = statefulSet.getMetadata().getName();
    String updateRevision = name + "-" + hash;

    deletePods(state, pod -> !pod.templateHash.equals(hash) || ordinal(name, pod) >= desired);
    for (int ordinal = 0; ordinal < desired; ordinal++) {
      String podName = name + "-" + ordinal;
      if (!state.pods.containsKey(podName)) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("controller-revision-hash", updateRevision);
        labels.put("statefulset.kubernetes.io/pod-name", podName);
        labels.put("apps.kubernetes.io/pod-index", Integer.toString(ordinal));
        createPod(state, podName, nextNode(), labels, SimulatedPod.Outcome.KEEP_RUNNING, now);
      }
    }
    Optional<Instant> podChange = syncPods(state, now);

    WorkloadStatuses.PodCounts counts = counts(state, hash, now);
    if (state.completedRevision == null || WorkloadStatuses.complete(desired, counts)) {
      // The first revision is current from the start; later ones once every pod runs them.
      state.completedRevision = updateRevision;
    }
    String currentRevision = state.completedRevision;
    int current = currentRevision.equals(updateRevision) ? counts.updated() : 0;
    StatefulSetStatus status =
        WorkloadStatuses.statefulSet(statefulSet, counts, current, currentRevision, updateRevision);
    if (!sameJson(status, statefulSet.getStatus())) {
      statefulSet.setStatus(status);
      updateStatus(client.apps().statefulSets().inNamespace(state.key.namespace()), statefulSet);
    }
    return podChange;
  }

  private Optional<Instant> reconcileDaemonSet(
      DaemonSet daemonSet, WorkloadState state, Instant now) {
    PodTemplateSpec template = daemonSet.getSpec().getTemplate();
    String hash = templateHash(template);
    if (!hash.equals(state.templateHash)) {
      state.rollOut(hash, template, now);
    }
    List<String> nodeNames = List.copyOf(nodes);
    state.desire(nodeNames.size(), now);

    deletePods(state, pod -> !pod.templateHash.equals(hash) || !nodeNames.contains(pod.nodeName));
    Set<String> covered =
        state.pods.values().stream().map(pod -> pod.nodeName).collect(Collectors.toSet());
    for (String node : nodeNames) {
      if (!covered.contains(node)) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("controller-revision-hash", hash);
        labels.put(
            "pod-template-generation", String.valueOf(daemonSet.getMetadata().getGeneration()));
        createPod(
            state,
            daemonSet.getMetadata().getName() + "-" + randomSuffix(),
            node,
            labels,
            SimulatedPod.Outcome.KEEP_RUNNING,
            now);
      }
    }
    Optional<Instant> podChange = syncPods(state, now);

    DaemonSetStatus status =
        WorkloadStatuses.daemonSet(daemonSet, nodeNames.size(), counts(state, hash, now));
    if (!sameJson(status, daemonSet.getStatus())) {
      daemonSet.setStatus(status);
      updateStatus(client.apps().daemonSets().inNamespace(state.key.namespace()), daemonSet);
    }
    return podChange;
  }

  private Optional<Instant> reconcileJob(Job job, WorkloadState state, Instant now) {
    if (state.templateHash == null) {
      // A Job's template cannot change: its outcome is decided once.
      PodTemplateSpec template = job.getSpec().getTemplate();
      state.rollOut(templateHash(template), template, now);
      state.jobFails =
          containers(template).stream().anyMatch(container -> isFaulty(container.getImage()))
              || failingJobs.stream().anyMatch(rule -> rule.test(job));
    }
    if (state.jobFinishedAt == null && state.pods.isEmpty()) {
      String uid = job.getMetadata().getUid();
      String name = job.getMetadata().getName();
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("batch.kubernetes.io/controller-uid", uid);
      labels.put("batch.kubernetes.io/job-name", name);
      labels.put("controller-uid", uid);
      labels.put("job-name", name);
      createPod(
          state,
          name + "-" + randomSuffix(),
          nextNode(),
          labels,
          state.jobFails ? SimulatedPod.Outcome.FAIL : SimulatedPod.Outcome.SUCCEED,
          now);
    }
    Optional<Instant> podChange = syncPods(state, now);

    int active = 0;
    int ready = 0;
    for (SimulatedPod pod : state.pods.values()) {
      if (PodStatuses.terminated(pod, now)) {
        if (state.jobFinishedAt == null) {
          state.jobFinishedAt = pod.finishAt;
        }
      } else {
        active++;
        ready += PodStatuses.ready(pod, now) ? 1 : 0;
      }
    }
    if (state.jobFinishedAt != null) {
      active = 0;
      ready = 0;
    }
    JobStatus status =
        WorkloadStatuses.job(state.firstSeen, state.jobFinishedAt, state.jobFails, active, ready);
    if (!sameJson(status, job.getStatus())) {
      job.setStatus(status);
      updateStatus(client.batch().v1().jobs().inNamespace(state.key.namespace()), job);
    }
    return podChange;
  }

  private void createPod(
      WorkloadState state,
      String podName,
      String nodeName,
      Map<String, String> extraLabels,
      SimulatedPod.Outcome outcome,
      Instant now) {
    String namespace = state.key.namespace();
    ObjectMeta templateMeta =
        state.template == null || state.template.getMetadata() == null
            ? new ObjectMeta()
            : state.template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>();
    if (templateMeta.getLabels() != null) {
      labels.putAll(templateMeta.getLabels());
    }
    labels.putAll(extraLabels);
    PodSpec spec =
        new PodSpecBuilder(
                state.template == null || state.template.getSpec() == null
                    ? new PodSpec()
                    : state.template.getSpec())
            .withNodeName(nodeName)
            .build();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(podName)
            .withNamespace(namespace)
            .withLabels(labels)
            .withAnnotations(templateMeta.getAnnotations())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(state.key.kind().apiVersion())
                    .withKind(state.key.kind().kind())
                    .withName(state.key.name())
                    .withUid(state.uid)
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withSpec(spec)
            .build();
    Pod created;
    try {
      created = client.pods().inNamespace(namespace).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // A stray pod with the name this workload needs (a StatefulSet ordinal): replace it.
      client.pods().inNamespace(namespace).withName(podName).delete();
      created = client.pods().inNamespace(namespace).resource(pod).create();
    }
    Set<String> crashing =
        outcome == SimulatedPod.Outcome.KEEP_RUNNING
            ? spec.getContainers().stream()
                .filter(container -> isFaulty(container.getImage()))
                .map(Container::getName)
                .collect(Collectors.toSet())
            : Set.of();
    Instant startAt = now.plus(rolloutDelay);
    podCounter++;
    SimulatedPod simulated =
        new SimulatedPod(
            podName,
            state.templateHash,
            nodeName,
            nodeIp(nodeName),
            "10.244." + (podCounter / 250) % 256 + "." + (podCounter % 250 + 2),
            now,
            startAt,
            outcome == SimulatedPod.Outcome.KEEP_RUNNING ? null : startAt.plus(jobDuration),
            crashLoopBackOff,
            spec.getContainers(),
            crashing,
            outcome,
            created);
    state.pods.put(podName, simulated);
    podOwners.put(simulated.uid(), state.key);
  }

  /** Writes every pod's status that changed; returns when the next pod status changes. */
  private Optional<Instant> syncPods(WorkloadState state, Instant now) {
    Optional<Instant> next = Optional.empty();
    for (SimulatedPod pod : List.copyOf(state.pods.values())) {
      PodStatus status = PodStatuses.statusAt(pod, now);
      if (!sameJson(status, pod.stored.getStatus())) {
        writePodStatus(state, pod, status);
      }
      next = earliest(next, PodStatuses.nextChange(pod, now));
    }
    return next;
  }

  private void writePodStatus(WorkloadState state, SimulatedPod pod, PodStatus status) {
    NonNamespaceOperation<Pod, ?, ? extends Resource<Pod>> pods =
        client.pods().inNamespace(state.key.namespace());
    try {
      pod.stored =
          pods.resource(new PodBuilder(pod.stored).withStatus(status).build()).updateStatus();
    } catch (KubernetesClientException e) {
      Pod fresh =
          e.getCode() == HttpURLConnection.HTTP_CONFLICT ? pods.withName(pod.name).get() : null;
      if (fresh != null && fresh.getMetadata().getUid().equals(pod.uid())) {
        // Someone else changed the pod (a label, say): write on top of their change.
        pod.stored = pods.resource(new PodBuilder(fresh).withStatus(status).build()).updateStatus();
      } else if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || fresh == null) {
        // Deleted by someone else: forget it, the next reconcile replaces it.
        LOG.debug("Pod {}/{} disappeared", state.key.namespace(), pod.name);
        state.pods.remove(pod.name);
        podOwners.remove(pod.uid());
        enqueue(state.key, Duration.ZERO);
      } else {
        throw e;
      }
    }
  }

  private void deletePods(WorkloadState state, Predicate<SimulatedPod> which) {
    for (SimulatedPod pod : List.copyOf(state.pods.values())) {
      if (which.test(pod)) {
        state.pods.remove(pod.name);
        // Forget it first, so the watch does not report it as deleted by someone else.
        podOwners.remove(pod.uid());
        client.pods().inNamespace(state.key.namespace()).withName(pod.name).delete();
      }
    }
  }

  private WorkloadStatuses.PodCounts counts(WorkloadState state, String hash, Instant now) {
    int updated = 0;
    int ready = 0;
    for (SimulatedPod pod : state.pods.values()) {
      updated += pod.templateHash.equals(hash) ? 1 : 0;
      ready += PodStatuses.ready(pod, now) ? 1 : 0;
    }
    return new WorkloadStatuses.PodCounts(state.pods.size(), updated, ready);
  }

  private static int ordinal(String statefulSetName, SimulatedPod pod) {
    try {
      return Integer.parseInt(pod.name.substring(statefulSetName.length() + 1));
    } catch (NumberFormatException | IndexOutOfBoundsException notAnOrdinal) {
      return Integer.MAX_VALUE;
    }
  }

  private void syncNodes() {
    List<String> wanted =
        IntStream.rangeClosed(1, nodeCount).mapToObj(i -> NODE_PREFIX + i).toList();
    for (String name : wanted) {
      if (!nodes.contains(name)) {
        createNode(name);
        nodes.add(name);
      }
    }
    for (String name : List.copyOf(nodes)) {
      if (!wanted.contains(name)) {
        nodes.remove(name);
        client.nodes().withName(name).delete();
      }
    }
    workloads.keySet().stream()
        .filter(key -> key.kind() == WorkloadKind.DAEMON_SET)
        .forEach(key -> enqueue(key, Duration.ZERO));
  }

  private void createNode(String name) {
    String now = Timestamps.format(clock.instant());
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity("4"), "memory", new Quantity("16Gi"), "pods", new Quantity("110"));
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("kubernetes.io/hostname", name)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", "amd64")
            .endMetadata()
            .withNewSpec()
            .withPodCIDR("10.244." + nodeIndex(name) + ".0/24")
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .withReason("KubeletReady")
            .withMessage("kubelet is posting ready status")
            .withLastHeartbeatTime(now)
            .withLastTransitionTime(now)
            .endCondition()
            .addNewAddress()
            .withType("InternalIP")
            .withAddress(nodeIp(name))
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .withNewNodeInfo()
            .withKubeletVersion(kubernetesVersion.get())
            .withContainerRuntimeVersion("containerd://1.7.0")
            .withOperatingSystem("linux")
            .withArchitecture("amd64")
            .withOsImage("Lockstep simulated node")
            .withKernelVersion("6.1.0")
            .endNodeInfo()
            .endStatus()
            .build();
    try {
      client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private String nextNode() {
    List<String> names = List.copyOf(nodes);
    return names.get(Math.floorMod(podCounter, names.size()));
  }

  private static int nodeIndex(String nodeName) {
    try {
      return Integer.parseInt(nodeName.substring(NODE_PREFIX.length()));
    } catch (NumberFormatException | IndexOutOfBoundsException notSimulated) {
      return 0;
    }
  }

  private static String nodeIp(String nodeName) {
    return "10.0.0." + (nodeIndex(nodeName) % 250 + 1);
  }

  private static <T extends HasMetadata> void updateStatus(
      NonNamespaceOperation<T, ?, ? extends Resource<T>> operation, T object) {
    operation.resource(object).updateStatus();
  }

  private static List<Container> containers(PodTemplateSpec template) {
    return template == null || template.getSpec() == null
        ? List.of()
        : template.getSpec().getContainers();
  }

  /** A short, stable hash of a pod template, like the {@code pod-template-hash} label. */
  static String templateHash(PodTemplateSpec template) {
    String hex = PodStatuses.sha256(JSON.asJson(template));
    StringBuilder hash = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      int value = Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
      hash.append(NAME_ALPHABET[value % NAME_ALPHABET.length]);
    }
    return hash.toString();
  }

  private static String randomSuffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(NAME_ALPHABET[ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length)]);
    }
    return suffix.toString();
  }

  private static boolean sameJson(Object computed, Object current) {
    if (current == null) {
      return computed == null;
    }
    return JSON.convertValue(computed, JsonNode.class)
        .equals(JSON.convertValue(current, JsonNode.class));
  }

  private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.get().isBefore(b.get()) ? a : b;
  }

  private static Duration nonNegative(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + duration);
    }
    return duration;
  }
}
