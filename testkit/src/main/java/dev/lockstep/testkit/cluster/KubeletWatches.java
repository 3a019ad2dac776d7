package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SimulatedKubelet}'s watches on every namespace: any change to a Deployment,
 * StatefulSet, DaemonSet or Job queues its reconcile, and a pod the kubelet runs that someone else
 * deletes queues its owner's, which replaces it as a ReplicaSet would.
 */
final class KubeletWatches {

  // The kubelet's logger, so its log reads as before the split.
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedKubelet.class);

  private final ReconcileLoop loop;
  private final KubeletPods pods;
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();

  KubeletWatches(ReconcileLoop loop, KubeletPods pods) {
    this.loop = loop;
    this.pods = pods;
  }

  /** Starts every watch through {@code client}; returns once they run. */
  void start(KubernetesClient client) {
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

  /** Stops every watch that started. */
  void stop() {
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        LOG.debug("Stopping an informer failed: {}", e.toString());
      }
    }
    informers.clear();
  }

  private ResourceEventHandler<HasMetadata> workloadEvents(WorkloadKind kind) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata object) {
        loop.enqueueNow(WorkloadKey.of(kind, object));
      }

      @Override
      public void onUpdate(HasMetadata before, HasMetadata after) {
        loop.enqueueNow(WorkloadKey.of(kind, after));
      }

      @Override
      public void onDelete(HasMetadata object, boolean finalStateUnknown) {
        loop.enqueueNow(WorkloadKey.of(kind, object));
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
        WorkloadKey owner = pods.deletedElsewhere(pod.getMetadata().getUid());
        if (owner != null) {
          loop.enqueueNow(owner);
        }
      }
    };
  }
}
