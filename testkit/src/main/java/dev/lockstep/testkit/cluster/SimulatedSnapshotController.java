package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the CSI external snapshotter, which the {@link SimulatedCluster} lacks: it watches
 * VolumeSnapshots ({@code snapshot.storage.k8s.io/v1}) in every namespace and, {@linkplain
 * #readyDelay a moment} after one appears, writes its status as the real controller does: {@code
 * readyToUse: true}, {@code restoreSize} (the source claim's requested storage), {@code
 * creationTime} and {@code boundVolumeSnapshotContentName}. A snapshot whose source claim does not
 * exist, or that a {@linkplain #failSnapshots rule} matches, gets {@code status.error} instead and
 * never becomes ready.
 *
 * <p>Volumes hold nothing in the simulated cluster; a test or the local mode gives a claim contents
 * with {@link #volumeData}: they are kept when a snapshot of the claim is cut, and put back when a
 * claim of that name is created from the snapshot ({@code spec.dataSource}), as a CSI driver
 * provisions a volume from a snapshot.
 *
 * <p>Its writes carry the actor {@value #ACTOR}, so the {@link OperationLog} counts them as the
 * simulator's.
 */
public final class SimulatedSnapshotController implements AutoCloseable {

  /** The actor name of its requests in the {@link OperationLog}. */
  public static final String ACTOR = "simulated-snapshot-controller";

  /** Default time from a snapshot's creation to its status being written. */
  public static final Duration DEFAULT_READY_DELAY = Duration.ofMillis(50);

  /** The VolumeSnapshot resource. */
  public static final ResourceDefinitionContext VOLUME_SNAPSHOTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("snapshot.storage.k8s.io")
          .withVersion("v1")
          .withKind("VolumeSnapshot")
          .withPlural("volumesnapshots")
          .withNamespaced(true)
          .build();

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedSnapshotController.class);
  private static final String DEFAULT_RESTORE_SIZE = "1Gi";
  private static final Duration CONFLICT_RETRY = Duration.ofMillis(10);
  private static final int MAX_ATTEMPTS = 5;

  private final SimulatedCluster cluster;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final List<Predicate<? super GenericKubernetesResource>> failing =
      new CopyOnWriteArrayList<>();
  private final Map<String, VolumeData> volumes = new ConcurrentHashMap<>();
  private volatile Duration readyDelay = DEFAULT_READY_DELAY;
  private KubernetesClient client;
  private SharedIndexInformer<GenericKubernetesResource> informer;
  private SharedIndexInformer<PersistentVolumeClaim> claims;

  /** What a claim's volume holds, which a snapshot keeps and a restore puts back. */
  public interface VolumeData {
    /** A snapshot of the claim is being cut: keep what the volume holds now under its name. */
    void snapshot(String snapshot);

    /** The claim was created again from a snapshot: make the volume hold what it kept. */
    void restore(String snapshot);
  }

  private volatile boolean running;
  private boolean closed;

  /** A controller for the snapshots of {@code cluster}, with the system clock. */
  public SimulatedSnapshotController(SimulatedCluster cluster) {
    this(cluster, Clock.systemUTC());
  }

  /** A controller whose {@code creationTime} and error times come from {@code clock}. */
  public SimulatedSnapshotController(SimulatedCluster cluster, Clock clock) {
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

  /** Time from a snapshot's appearance to its status; applies to snapshots seen from now on. */
  public SimulatedSnapshotController readyDelay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.readyDelay = delay;
    return this;
  }

  /** Makes snapshots that match {@code which} fail (status.error) instead of becoming ready. */
  public SimulatedSnapshotController failSnapshots(
      Predicate<? super GenericKubernetesResource> which) {
    failing.add(Objects.requireNonNull(which, "which"));
    return this;
  }

  /**
   * Gives the volume of claim {@code namespace/claim} contents: {@code data} keeps them when a
   * snapshot of the claim is cut (before the snapshot is ready; an exception fails the snapshot)
   * and puts them back when the claim is created from a snapshot.
   */
  public SimulatedSnapshotController volumeData(String namespace, String claim, VolumeData data) {
    volumes.put(namespace + "/" + claim, Objects.requireNonNull(data, "data"));
    return this;
  }

  /** Forgets every failure rule. */
  public SimulatedSnapshotController clearFaults() {
    failing.clear();
    return this;
  }

  /**
   * Starts watching; the cluster must have been started. Snapshots that exist already are handled
   * too.
   *
   * @return this controller
   */
  public synchronized SimulatedSnapshotController start() {
    if (client != null || closed) {
      throw new IllegalStateException("a simulated snapshot controller starts once");
    }
    client = cluster.newClient(ACTOR);
    running = true;
    informer =
        client
            .genericKubernetesResources(VOLUME_SNAPSHOTS)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(GenericKubernetesResource snapshot) {
                    seen(snapshot);
                  }

                  @Override
                  public void onUpdate(
                      GenericKubernetesResource before, GenericKubernetesResource after) {
                    seen(after);
                  }

                  @Override
                  public void onDelete(
                      GenericKubernetesResource snapshot, boolean finalStateUnknown) {
                    // Nothing to clean up: the snapshot content is not simulated.
                  }
                },
                0);
    claims =
        client
            .persistentVolumeClaims()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(PersistentVolumeClaim claim) {
                    created(claim);
                  }

                  @Override
                  public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim after) {
                    // A claim's data source is set when it is created.
                  }

                  @Override
                  public void onDelete(PersistentVolumeClaim claim, boolean finalStateUnknown) {
                    // The volume's contents stay with the snapshots that kept them.
                  }
                },
                0);
    return this;
  }

  /** A claim created from a snapshot gets what the snapshot kept, if its volume has contents. */
  private void created(PersistentVolumeClaim claim) {
    var source = claim.getSpec() == null ? null : claim.getSpec().getDataSource();
    VolumeData data =
        volumes.get(claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName());
    if (!running || data == null || source == null || !"VolumeSnapshot".equals(source.getKind())) {
      return;
    }
    schedule(
        () -> {
          try {
            data.restore(source.getName());
          } catch (RuntimeException e) {
            LOG.warn(
                "Restoring claim {}/{} from {} failed: {}",
                claim.getMetadata().getNamespace(),
                claim.getMetadata().getName(),
                source.getName(),
                e.toString());
          }
        },
        Duration.ZERO);
  }

  /** Stops watching and closes its client. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    for (SharedIndexInformer<?> watch : java.util.Arrays.asList(informer, claims)) {
      if (watch != null) {
        try {
          watch.stop();
        } catch (RuntimeException e) {
          LOG.debug("Stopping a snapshot controller informer failed: {}", e.toString());
        }
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

  private void seen(GenericKubernetesResource snapshot) {
    if (!running || decided(snapshot)) {
      return;
    }
    String namespace = snapshot.getMetadata().getNamespace();
    String name = snapshot.getMetadata().getName();
    schedule(() -> reconcile(namespace, name, 1), readyDelay);
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      LOG.debug("The simulated snapshot controller has stopped");
    }
  }

  private void reconcile(String namespace, String name, int attempt) {
    if (!running) {
      return;
    }
    try {
      GenericKubernetesResource snapshot =
          client
              .genericKubernetesResources(VOLUME_SNAPSHOTS)
              .inNamespace(namespace)
              .withName(name)
              .get();
      if (snapshot == null || decided(snapshot)) {
        return;
      }
      snapshot.getAdditionalProperties().put("status", statusOf(snapshot));
      client
          .genericKubernetesResources(VOLUME_SNAPSHOTS)
          .inNamespace(namespace)
          .resource(snapshot)
          .updateStatus();
    } catch (KubernetesClientException e) {
      if (!running) {
        return;
      }
      if (attempt >= MAX_ATTEMPTS) {
        LOG.warn("Giving up on VolumeSnapshot {}/{}: {}", namespace, name, e.toString());
      } else {
        Duration retry =
            e.getCode() == HttpURLConnection.HTTP_CONFLICT
                ? CONFLICT_RETRY
                : Duration.ofMillis(50L * attempt);
        schedule(() -> reconcile(namespace, name, attempt + 1), retry);
      }
    }
  }

  /** The status the snapshotter writes: ready with a size, or an error. */
  private Map<String, Object> statusOf(GenericKubernetesResource snapshot) {
    String namespace = snapshot.getMetadata().getNamespace();
    String now = Timestamps.format(clock.instant());
    Map<String, Object> source = map(map(snapshot.getAdditionalProperties().get("spec")), "source");
    Object claimName = source == null ? null : source.get("persistentVolumeClaimName");
    Map<String, Object> status = new LinkedHashMap<>();
    String failure = null;
    String size = DEFAULT_RESTORE_SIZE;
    if (failing.stream().anyMatch(rule -> rule.test(snapshot))) {
      failure = "the CSI driver failed to cut the snapshot (simulated fault)";
    } else if (claimName != null) {
      PersistentVolumeClaim claim =
          client
              .persistentVolumeClaims()
              .inNamespace(namespace)
              .withName(claimName.toString())
              .get();
      if (claim == null) {
        failure =
            "failed to get input parameters to create snapshot "
                + snapshot.getMetadata().getName()
                + ": persistentvolumeclaim \""
                + claimName
                + "\" not found";
      } else {
        size = requestedStorage(claim);
        VolumeData data = volumes.get(namespace + "/" + claimName);
        if (data != null) {
          try {
            data.snapshot(snapshot.getMetadata().getName());
          } catch (RuntimeException e) {
            failure = "the CSI driver failed to copy the volume: " + e.getMessage();
          }
        }
      }
    }
    if (failure != null) {
      status.put("readyToUse", false);
      status.put("error", Map.of("message", failure, "time", now));
      return status;
    }
    status.put("boundVolumeSnapshotContentName", "snapcontent-" + snapshot.getMetadata().getUid());
    status.put("creationTime", now);
    status.put("readyToUse", true);
    status.put("restoreSize", size);
    return status;
  }

  private static String requestedStorage(PersistentVolumeClaim claim) {
    if (claim.getSpec() == null
        || claim.getSpec().getResources() == null
        || claim.getSpec().getResources().getRequests() == null) {
      return DEFAULT_RESTORE_SIZE;
    }
    Quantity storage = claim.getSpec().getResources().getRequests().get("storage");
    return storage == null ? DEFAULT_RESTORE_SIZE : storage.toString();
  }

  /** Whether the snapshot has its status already: ready, or failed. */
  private static boolean decided(GenericKubernetesResource snapshot) {
    Map<String, Object> status = map(snapshot.getAdditionalProperties().get("status"));
    return status != null
        && (Boolean.TRUE.equals(status.get("readyToUse")) || status.get("error") != null);
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    return parent == null ? null : map(parent.get(key));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> ? (Map<String, Object>) value : null;
  }
}
