package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;
import static dev.lockstep.executor.cluster.StepObjects.hasRestore;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.FieldPaths;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code patch-resource}: an operator-managed custom resource. Every {@code set} path must exist on
 * it (otherwise nothing is written); the values are merged into the object read and written back in
 * one marked write guarded by its resourceVersion; then a wait until every {@code readyWhen} field
 * has its value (and the status has observed the new generation, where it reports one), failing
 * past the timeout. A rollback (with {@code restore}) puts back the recorded spec, and waits for
 * {@code readyWhen} when the step carries it.
 */
final class PatchResourceAction implements ClusterAction {
  private final KubernetesClient client;
  private final ClusterTimings timings;
  private final Marking marking;

  PatchResourceAction(KubernetesClient client, ClusterTimings timings, Marking marking) {
    this.client = client;
    this.timings = timings;
    this.marking = marking;
  }

  /**
   * A custom resource step names its resource, a valid timeout, and {@code set} paths outside
   * metadata and status.
   */
  @Override
  public void checkShape(PlanStep step) {
    customResourceRef(step);
    CustomResource resource = step.customResource();
    if (resource == null) {
      return;
    }
    if (resource.timeout() != null && GoDuration.parse(resource.timeout()).isEmpty()) {
      throw new StepFailure(
          "patch-resource step "
              + step.id()
              + " has a timeout '"
              + resource.timeout()
              + "' that is not a duration like 10m; nothing was changed");
    }
    if (!hasRestore(step)) {
      if (resource.set().isEmpty()) {
        throw new StepFailure(
            "patch-resource step " + step.id() + " sets nothing; nothing was changed");
      }
      for (String path : resource.set().keySet()) {
        if (path.equals("metadata")
            || path.startsWith("metadata.")
            || path.equals("status")
            || path.startsWith("status.")) {
          throw new StepFailure(
              "patch-resource step "
                  + step.id()
                  + " sets "
                  + path
                  + ": set changes the resource's spec (or other fields), never its metadata"
                  + " or status; nothing was changed");
        }
      }
    }
  }

  /** The resource's manifest with its status (which a rollback may wait for again). */
  @Override
  public List<ObjectState> readBefore(StepContext context) {
    List<ObjectState> before = new ArrayList<>();
    GenericKubernetesResource current =
        Resources.of(client, customResourceRef(context.step()), null).get();
    if (current != null) {
      before.add(ObjectMaps.stateOf(current, true, true));
    }
    return before;
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    ObjectRef ref = customResourceRef(step);
    CustomResource resource = step.customResource();
    Consumer<GenericKubernetesResource> change;
    if (hasRestore(step)) {
      ObjectState restore = step.restore().get(0);
      Map<String, Object> spec =
          restore.manifest() == null ? null : ObjectMaps.map(restore.manifest().get("spec"));
      if (spec == null) {
        throw new StepFailure(
            describe(ref) + " has no recorded spec to put back; nothing was changed");
      }
      change = object -> object.getAdditionalProperties().put("spec", ObjectMaps.deepCopy(spec));
    } else {
      change = object -> setFields(object, resource.set(), ref);
    }
    Marking.Marked marked = marking.mark(context, ref, step.to(), true, change);
    List<ObjectState> before = List.of(marked.before());
    Map<String, Object> readyWhen = resource == null ? Map.of() : resource.readyWhen();
    if (readyWhen.isEmpty()) {
      return new Applied(marked.outcome(), before, null, at -> Progress.done());
    }
    Duration timeout = GoDuration.parseOr(resource.timeout(), timings.rolloutTimeout());
    String limit = resource.timeout() != null ? resource.timeout() : timeout.toString();
    return new Applied(
        marked.outcome(), before, null, ready(ref, readyWhen, now.plus(timeout), limit));
  }

  /** The custom resource a patch-resource step changes: a rollback's recorded one, or its own. */
  private static ObjectRef customResourceRef(PlanStep step) {
    if (hasRestore(step)) {
      return Manifests.refOf(step.restore().get(0));
    }
    CustomResource resource = step.customResource();
    if (resource == null) {
      throw new StepFailure("patch-resource step " + step.id() + " names no custom resource");
    }
    if (resource.apiVersion() == null || resource.kind() == null || resource.name() == null) {
      throw new StepFailure(
          "patch-resource step "
              + step.id()
              + " names its resource without apiVersion, kind or name; nothing was changed");
    }
    return new ObjectRef(
        resource.apiVersion(), resource.kind(), resource.namespace(), resource.name());
  }

  /** Merges the set values into the object; every path must exist, or nothing is changed. */
  private static void setFields(
      GenericKubernetesResource object, Map<String, Object> set, ObjectRef ref) {
    Map<String, Object> fields = object.getAdditionalProperties();
    List<String> missing = new ArrayList<>();
    for (String path : set.keySet()) {
      if (!FieldPaths.exists(fields, path)) {
        List<String> near = FieldPaths.keysNear(fields, path);
        missing.add(
            path
                + (near.isEmpty()
                    ? ""
                    : " (there: " + String.join(", ", near.stream().sorted().toList()) + ")"));
      }
    }
    if (!missing.isEmpty()) {
      throw new StepFailure(
          describe(ref)
              + " has no field "
              + String.join("; no field ", missing)
              + ": a set path must exist on the resource; nothing was changed");
    }
    set.forEach((path, value) -> FieldPaths.set(fields, path, ObjectMaps.deepCopy(value)));
  }

  /** Done when every readyWhen field has its value; failed past the deadline, naming them. */
  private Applied.Check ready(
      ObjectRef ref, Map<String, Object> readyWhen, Instant deadline, String limit) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    return at -> {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        return Progress.failed(describe(ref) + " disappeared");
      }
      Map<String, Object> fields = current.getAdditionalProperties();
      List<String> seen = new ArrayList<>();
      boolean ready = true;
      for (Map.Entry<String, Object> expected : readyWhen.entrySet()) {
        String path = expected.getKey();
        Object actual = FieldPaths.get(fields, path);
        if (actual == null && !path.startsWith("status.")) {
          actual = FieldPaths.get(fields, "status." + path);
        }
        boolean matches = FieldPaths.matches(expected.getValue(), actual);
        ready &= matches;
        seen.add(path + " is " + actual + (matches ? "" : " (want " + expected.getValue() + ")"));
      }
      Long generation = current.getMetadata().getGeneration();
      Object observed = FieldPaths.get(fields, "status.observedGeneration");
      if (generation != null && observed instanceof Number n && n.longValue() < generation) {
        ready = false;
        seen.add(
            "status.observedGeneration is "
                + n
                + " (the operator has not seen generation "
                + generation
                + " yet)");
      }
      if (ready) {
        return Progress.done();
      }
      String state = String.join(", ", seen);
      if (at.isAfter(deadline)) {
        return Progress.failed(describe(ref) + " was not ready within " + limit + ": " + state);
      }
      return Progress.waiting(describe(ref) + " to be ready: " + state);
    };
  }
}
