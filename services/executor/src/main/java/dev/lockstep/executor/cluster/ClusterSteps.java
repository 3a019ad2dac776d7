package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster side of plan steps on one platform: it checks that a step touches only the platform's
 * namespaces (and is well formed) before any request, then hands it to the {@link ClusterAction} of
 * its kind ({@link SetImageAction}, {@link DrainAction}, {@link RestoreReplicasAction}, {@link
 * MigrateAction}, {@link BackupAction}, {@link RestoreSnapshotAction}, {@link RemoveAction}, {@link
 * ApplyBundleAction}, {@link PatchResourceAction}). The actions share the marking write ({@link
 * Marking}) and the waits ({@link RolloutWaits}).
 *
 * <p>Before a step first acts, {@link #readBefore} reads the state of every object it will change;
 * the executor records it in the step's intent. A step that deletes (a {@code remove}, the claims
 * of a {@code restore-snapshot}) leaves no stamp to find after a crash, so a re-run reports those
 * recorded before-states rather than what it finds.
 */
public final class ClusterSteps {
  private final Set<String> allowedNamespaces;
  private final Map<StepAction, ClusterAction> actions = new EnumMap<>(StepAction.class);

  public ClusterSteps(
      KubernetesClient client, Set<String> allowedNamespaces, ClusterTimings timings) {
    this(client, allowedNamespaces, timings, stepId -> {});
  }

  public ClusterSteps(
      KubernetesClient client,
      Set<String> allowedNamespaces,
      ClusterTimings timings,
      Midway midway) {
    this.allowedNamespaces = Set.copyOf(allowedNamespaces);
    Marking marking = new Marking(client);
    RolloutWaits waits = new RolloutWaits(client, timings);
    actions.put(StepAction.SET_IMAGE, new SetImageAction(client, marking, waits));
    actions.put(StepAction.DRAIN, new DrainAction(client, marking, waits));
    actions.put(StepAction.RESTORE_REPLICAS, new RestoreReplicasAction(client, marking, waits));
    actions.put(StepAction.MIGRATE, new MigrateAction(client, timings, waits));
    actions.put(StepAction.BACKUP, new BackupAction(client, timings));
    actions.put(StepAction.RESTORE_SNAPSHOT, new RestoreSnapshotAction(client, midway));
    actions.put(StepAction.REMOVE, new RemoveAction(client, midway));
    actions.put(StepAction.APPLY, new ApplyBundleAction(client, waits, midway));
    actions.put(StepAction.PATCH_RESOURCE, new PatchResourceAction(client, timings, marking));
    actions.put(StepAction.APPROVE, new Approval());
  }

  /**
   * Called between two writes of one step (after a delete, before what follows it), where a crash
   * leaves the cluster half changed; crash tests stop the executor there.
   */
  @FunctionalInterface
  public interface Midway {
    /** The step has made one of its writes and is about to make the next or to wait. */
    void reached(String stepId);
  }

  /**
   * Every namespace a step would touch; a step that names one outside the platform's allowed
   * namespaces fails before any request reaches the API server.
   */
  public static Set<String> namespacesOf(PlanStep step) {
    Set<String> namespaces = new LinkedHashSet<>();
    String home = step.workload() == null ? null : step.workload().namespace();
    if (home != null) {
      namespaces.add(home);
    }
    if (step.targets() != null) {
      for (ObjectRef target : step.targets()) {
        namespaces.add(target.namespace() == null ? home : target.namespace());
      }
    }
    if (step.restore() != null) {
      for (ObjectState state : step.restore()) {
        namespaces.add(state.namespace() == null ? home : state.namespace());
      }
    }
    if (step.objects() != null) {
      for (Map<String, Object> object : step.objects()) {
        namespaces.add(Manifests.refOf(object).namespace());
      }
    }
    if (step.customResource() != null) {
      namespaces.add(step.customResource().namespace());
    }
    if (step.quiet() != null) {
      step.quiet().components().forEach(c -> namespaces.add(c.workload().namespace()));
    }
    return namespaces;
  }

  /**
   * The state of every object the step will change, read from the cluster and changing nothing:
   * what its intent records before it first acts. Objects that do not exist are left out (the step
   * fails on them, or has nothing to do); an object a step creates (a migration Job) is recorded as
   * absent. Throws {@link StepFailure}, before any request, for a namespace outside the platform.
   */
  public List<ObjectState> readBefore(StepContext context) {
    return checked(context).readBefore(context);
  }

  /** Makes the step's change, or finds it made; throws {@link StepFailure} when it cannot. */
  public Applied apply(StepContext context, Instant now) {
    return checked(context).apply(context, now);
  }

  /** The step's action, once the step's shape and namespaces have been checked. */
  private ClusterAction checked(StepContext context) {
    PlanStep step = context.step();
    ClusterAction action = actions.get(step.action());
    action.checkShape(step);
    for (String namespace : namespacesOf(step)) {
      if (namespace == null) {
        throw new StepFailure(
            "step " + step.id() + " names an object without a namespace; nothing was changed");
      }
      if (!allowedNamespaces.contains(namespace)) {
        throw new StepFailure(
            "namespace "
                + namespace
                + " is not allowed on platform "
                + context.platform()
                + " (allowed: "
                + String.join(", ", allowedNamespaces.stream().sorted().toList())
                + "); nothing was changed");
      }
    }
    return action;
  }

  /** {@code approve}: a person's decision, with nothing to read or change on the cluster. */
  private static final class Approval implements ClusterAction {
    @Override
    public List<ObjectState> readBefore(StepContext context) {
      return List.of();
    }

    @Override
    public Applied apply(StepContext context, Instant now) {
      throw new StepFailure("an approval step has no cluster operation");
    }
  }
}
