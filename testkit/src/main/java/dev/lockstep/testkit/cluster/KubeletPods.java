package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods the {@link SimulatedKubelet} runs: creating them with their timeline decided up front,
 * writing their status as it changes, deleting them, and knowing which workload owns each, so a pod
 * deleted by someone else gets replaced. Only the kubelet's thread creates, writes and deletes.
 */
final class KubeletPods {

  // The kubelet's logger, so its log reads as before the split.
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedKubelet.class);

  private final KubernetesClient client;
  private final SimulatedNodes nodes;
  private final KubeletSettings settings;
  private final KubeletFaults faults;
  private final Consumer<WorkloadKey> requeue;

  /** Owner of every pod the kubelet runs, by pod uid; an entry goes when the pod is deleted. */
  private final Map<String, WorkloadKey> podOwners = new ConcurrentHashMap<>();

  // Touched only on the kubelet's thread.
  private int podCounter;

  KubeletPods(
      KubernetesClient client,
      SimulatedNodes nodes,
      KubeletSettings settings,
      KubeletFaults faults,
      Consumer<WorkloadKey> requeue) {
    this.client = client;
    this.nodes = nodes;
    this.settings = settings;
    this.faults = faults;
    this.requeue = requeue;
  }

  /** The node the next pod goes to. */
  String nextNode() {
    return nodes.pick(podCounter);
  }

  /**
   * Forgets a pod that was deleted; returns its owner if the kubelet did not delete it itself, or
   * {@code null}.
   */
  WorkloadKey deletedElsewhere(String podUid) {
    return podOwners.remove(podUid);
  }

  /** Forgets the workload's pods that someone else deleted, so they get replaced. */
  void forgetDeletedElsewhere(WorkloadState state) {
    state.pods.values().removeIf(pod -> !podOwners.containsKey(pod.uid()));
  }

  /** Creates a pod from the workload's template, with {@code extraLabels} on top of its own. */
  void create(
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
                .filter(container -> faults.isFaulty(container.getImage(), state.templateHash))
                .map(Container::getName)
                .collect(Collectors.toSet())
            : Set.of();
    Instant startAt = now.plus(settings.rolloutDelay);
    podCounter++;
    SimulatedPod simulated =
        new SimulatedPod(
            podName,
            state.templateHash,
            nodeName,
            SimulatedNodes.ip(nodeName),
            "10.244." + (podCounter / 250) % 256 + "." + (podCounter % 250 + 2),
            now,
            startAt,
            outcome == SimulatedPod.Outcome.KEEP_RUNNING
                ? null
                : startAt.plus(settings.jobDuration),
            settings.crashLoopBackOff,
            spec.getContainers(),
            crashing,
            outcome,
            created);
    state.pods.put(podName, simulated);
    podOwners.put(simulated.uid(), state.key);
  }

  /** Writes every pod's status that changed; returns when the next pod status changes. */
  Optional<Instant> syncStatuses(WorkloadState state, Instant now) {
    Optional<Instant> next = Optional.empty();
    for (SimulatedPod pod : List.copyOf(state.pods.values())) {
      PodStatus status = PodStatuses.statusAt(pod, now);
      if (!Reconciling.sameJson(status, pod.stored.getStatus())) {
        writeStatus(state, pod, status);
      }
      next = ReconcileLoop.earliest(next, PodStatuses.nextChange(pod, now));
    }
    return next;
  }

  /** Deletes the workload's pods that match {@code which}. */
  void delete(WorkloadState state, Predicate<SimulatedPod> which) {
    for (SimulatedPod pod : List.copyOf(state.pods.values())) {
      if (which.test(pod)) {
        state.pods.remove(pod.name);
        // Forget it first, so the watch does not report it as deleted by someone else.
        podOwners.remove(pod.uid());
        client.pods().inNamespace(state.key.namespace()).withName(pod.name).delete();
      }
    }
  }

  /** All, updated (running template {@code hash}) and ready pods of the workload at {@code now}. */
  static WorkloadStatuses.PodCounts counts(WorkloadState state, String hash, Instant now) {
    int updated = 0;
    int ready = 0;
    for (SimulatedPod pod : state.pods.values()) {
      updated += pod.templateHash.equals(hash) ? 1 : 0;
      ready += PodStatuses.ready(pod, now) ? 1 : 0;
    }
    return new WorkloadStatuses.PodCounts(state.pods.size(), updated, ready);
  }

  private void writeStatus(WorkloadState state, SimulatedPod pod, PodStatus status) {
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
        requeue.accept(state.key);
      } else {
        throw e;
      }
    }
  }
}
