package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
 *
 * <p>This class holds the settings and the lifecycle. The work is done on one thread by {@code
 * ReconcileLoop} (at most one pending reconcile per workload), {@code WorkloadReconciler} with one
 * controller per kind ({@code DeploymentController}, {@code StatefulSetController}, {@code
 * DaemonSetController}, {@code JobController}), {@code KubeletPods} and {@code SimulatedNodes}, fed
 * by {@code KubeletWatches}; {@code KubeletFaults} holds the injected faults.
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
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Clock clock;
  private final Supplier<String> kubernetesVersion;
  private final KubeletSettings settings = new KubeletSettings();
  private final KubeletFaults faults = new KubeletFaults();
  private final ReconcileLoop loop;

  // Set once by start(), before the loop runs.
  private volatile KubernetesClient client;
  private volatile SimulatedNodes nodes;
  private volatile WorkloadReconciler reconciler;
  private volatile KubeletWatches watches;

  SimulatedKubelet(Clock clock, Supplier<String> kubernetesVersion) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.kubernetesVersion = Objects.requireNonNull(kubernetesVersion, "kubernetesVersion");
    this.loop = new ReconcileLoop(clock);
  }

  /** Time from a pod's creation to its containers running (and, if healthy, ready). */
  public SimulatedKubelet rolloutDelay(Duration delay) {
    settings.rolloutDelay = nonNegative(delay, "delay");
    return this;
  }

  /** Time a Job's container runs before it succeeds or fails. */
  public SimulatedKubelet jobDuration(Duration duration) {
    settings.jobDuration = nonNegative(duration, "duration");
    return this;
  }

  /** The first back-off of a crash-looping container; it doubles after each restart. */
  public SimulatedKubelet crashLoopBackOff(Duration backOff) {
    settings.crashLoopBackOff = nonNegative(backOff, "backOff");
    return this;
  }

  /**
   * How long one second of a spec's time field lasts here, e.g. {@code progressDeadlineSeconds}.
   * The default of 1 ms makes the default 600 s progress deadline pass in 0.6 s.
   */
  public SimulatedKubelet timeScale(Duration oneSecond) {
    settings.timeScale = nonNegative(oneSecond, "oneSecond");
    return this;
  }

  /** Sets the number of nodes (at least 1); DaemonSets follow. */
  public SimulatedKubelet nodeCount(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
    }
    settings.nodeCount = count;
    if (loop.running()) {
      try {
        loop.submit(this::syncNodes);
      } catch (RejectedExecutionException stopped) {
        LOG.debug("The simulated kubelet has stopped; node count {} not applied", count);
      }
    }
    return this;
  }

  /** The names of the simulated nodes. */
  public List<String> nodeNames() {
    SimulatedNodes current = nodes;
    return current == null ? List.of() : current.names();
  }

  /** Makes pods created from now on with exactly this image crash-loop, and Jobs with it fail. */
  public SimulatedKubelet markFaulty(String image) {
    faults.markFaulty(image);
    return this;
  }

  /**
   * Makes the first {@code rollouts} rollouts of this image fail (their pods crash-loop, as with
   * {@link #markFaulty}) and every later one succeed: a rollout is a pod template, so pods that a
   * failing rollout re-creates keep failing, and a restarted rollout (a new template) is the next.
   */
  public SimulatedKubelet failFirstRollouts(String image, int rollouts) {
    faults.failFirstRollouts(image, rollouts);
    return this;
  }

  /** Undoes {@link #markFaulty} for pods created from now on. */
  public SimulatedKubelet markHealthy(String image) {
    faults.markHealthy(image);
    return this;
  }

  /** Whether pods with this image crash-loop: marked faulty, or a tag ending in -crashloop. */
  public boolean isFaulty(String image) {
    return faults.isFaulty(image);
  }

  /** Makes Jobs that match {@code which} when first seen fail instead of succeed. */
  public SimulatedKubelet failJobs(Predicate<? super Job> which) {
    faults.failJobs(which);
    return this;
  }

  /**
   * Runs {@code work} when the pod of a Job that {@code which} matches starts, once per Job, on the
   * kubelet's thread and before the Job can finish: what the Job's container does, such as a
   * migration that changes a database. Work that throws makes the Job fail.
   */
  public SimulatedKubelet onJob(Predicate<? super Job> which, Consumer<? super Job> work) {
    faults.onJob(which, work);
    return this;
  }

  /** Forgets every faulty image, Job failure rule and {@link #onJob} work. */
  public SimulatedKubelet clearFaults() {
    faults.clear();
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
    nodes = new SimulatedNodes(client, clock, kubernetesVersion);
    KubeletPods pods = new KubeletPods(client, nodes, settings, faults, loop::enqueueNow);
    reconciler = new WorkloadReconciler(client, clock, pods, nodes, settings, faults);
    watches = new KubeletWatches(loop, pods);
    loop.start(reconciler::reconcile);
    await(loop.submit(this::syncNodes));
    watches.start(client);
  }

  /** Stops watching and writing, and closes the kubelet's client. */
  void stop() {
    loop.halt();
    if (watches != null) {
      watches.stop();
    }
    loop.shutdown();
    if (client != null) {
      client.close();
    }
  }

  /** Creates or deletes nodes to match the node count; DaemonSets follow. Runs on the loop. */
  private void syncNodes() {
    nodes.sync(settings.nodeCount);
    reconciler.keys(WorkloadKind.DAEMON_SET).forEach(loop::enqueueNow);
  }

  private static void await(Future<?> future) {
    try {
      future.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the simulated kubelet", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the simulated kubelet could not start", e);
    }
  }

  private static Duration nonNegative(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + duration);
    }
    return duration;
  }
}
