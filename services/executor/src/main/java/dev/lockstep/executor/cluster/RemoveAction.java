package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code remove}: deletes the objects a rollback removes ({@code restore} entries with {@code
 * exists: false}, or the targets), then waits until they are gone. A delete leaves no stamp: a run
 * again after it finds the object gone and reports it from the intent.
 */
final class RemoveAction implements ClusterAction {
  private final KubernetesClient client;
  private final ClusterSteps.Midway midway;

  RemoveAction(KubernetesClient client, ClusterSteps.Midway midway) {
    this.client = client;
    this.midway = midway;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    PlanStep step = context.step();
    String home = home(step);
    List<ObjectState> before = new ArrayList<>();
    for (ObjectRef ref : removals(step)) {
      StepObjects.read(client, ref, home, true).ifPresent(before::add);
    }
    return before;
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    List<ObjectRef> refs = removals(step);
    if (refs.isEmpty()) {
      throw new StepFailure("remove step " + step.id() + " names nothing to remove");
    }
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<ObjectState> before = new ArrayList<>();
    String home = home(step);
    for (ObjectRef ref : refs) {
      String namespace = ref.namespace() == null ? home : ref.namespace();
      ObjectState started = Marking.startedBefore(context, ref.kind(), namespace, ref.name());
      Resource<GenericKubernetesResource> resource = Resources.of(client, ref, home);
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        // Gone: deleted by an earlier run of this step that died before its result, or never
        // there. Its intent knows which.
        if (started != null && started.exists()) {
          before.add(started);
        }
        continue;
      }
      if (started != null) {
        before.add(started);
      } else {
        before.add(
            Marking.markedByStep(current, context)
                ? Marking.recordedBefore(current)
                : ObjectMaps.stateOf(current, true));
      }
      resource.delete();
      outcome = Applied.Outcome.CHANGED;
      midway.reached(step.id());
    }
    Applied.Check check =
        at -> {
          for (ObjectRef ref : refs) {
            if (Resources.of(client, ref, home).get() != null) {
              return Progress.waiting(ref.kind() + " " + ref.name() + " to be deleted");
            }
          }
          return Progress.done();
        };
    return new Applied(outcome, before, null, check);
  }

  private static String home(PlanStep step) {
    return step.workload() == null ? null : step.workload().namespace();
  }

  /** What a remove step deletes: restore entries the upgrade created, its targets, its workload. */
  private static List<ObjectRef> removals(PlanStep step) {
    List<ObjectRef> refs = new ArrayList<>();
    if (step.restore() != null && !step.restore().isEmpty()) {
      for (ObjectState state : step.restore()) {
        if (!state.exists()) {
          refs.add(
              new ObjectRef(state.apiVersion(), state.kind(), state.namespace(), state.name()));
        }
      }
    }
    if (step.targets() != null) {
      refs.addAll(StepObjects.targets(step));
    }
    if (refs.isEmpty() && step.workload() != null) {
      WorkloadRef w = step.workload();
      refs.add(ObjectRef.of(w.kind(), w.namespace(), w.name()));
    }
    return refs;
  }
}
