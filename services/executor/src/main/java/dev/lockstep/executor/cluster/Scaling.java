package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/** What {@link DrainAction} and {@link RestoreReplicasAction} share: the objects they scale. */
final class Scaling {
  private Scaling() {}

  /** The before-state of each target that exists. */
  static List<ObjectState> readTargets(KubernetesClient client, StepContext context) {
    List<ObjectState> before = new ArrayList<>();
    for (ObjectRef target : StepObjects.targets(context.step())) {
      StepObjects.read(client, target, null, false).ifPresent(before::add);
    }
    return before;
  }

  /** Fails the step for a kind that has no replicas to set. */
  static void requireScalable(ObjectRef ref) {
    if (!WorkloadRef.KINDS.contains(ref.kind()) || "DaemonSet".equals(ref.kind())) {
      throw new StepFailure(describe(ref) + " cannot be scaled");
    }
  }
}
