package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects a step names (its workload, targets, recorded states to restore), the names of the
 * objects it creates, and how they read in a reason: what every {@link ClusterAction} shares.
 */
final class StepObjects {
  private StepObjects() {}

  /** The object as found, as a before-state, or empty when it does not exist. */
  static Optional<ObjectState> read(
      KubernetesClient client, ObjectRef ref, String defaultNamespace, boolean withManifest) {
    GenericKubernetesResource current = Resources.of(client, ref, defaultNamespace).get();
    return Optional.ofNullable(current == null ? null : ObjectMaps.stateOf(current, withManifest));
  }

  static WorkloadRef requireWorkload(PlanStep step) {
    if (step.workload() == null) {
      throw new StepFailure(step.action().wire() + " step " + step.id() + " names no workload");
    }
    return step.workload();
  }

  /** The objects a drain or restore-replicas step scales: its targets, restore, or workload. */
  static List<ObjectRef> targets(PlanStep step) {
    List<ObjectRef> targets = new ArrayList<>();
    if (step.targets() != null && !step.targets().isEmpty()) {
      String home = step.workload() == null ? null : step.workload().namespace();
      for (ObjectRef target : step.targets()) {
        targets.add(
            new ObjectRef(
                target.apiVersion(),
                target.kind(),
                target.namespace() == null ? home : target.namespace(),
                target.name()));
      }
    } else if (step.restore() != null && !step.restore().isEmpty()) {
      for (ObjectState state : step.restore()) {
        targets.add(
            new ObjectRef(state.apiVersion(), state.kind(), state.namespace(), state.name()));
      }
    } else if (step.workload() != null) {
      WorkloadRef w = step.workload();
      targets.add(ObjectRef.of(w.kind(), w.namespace(), w.name()));
    }
    if (targets.isEmpty()) {
      throw new StepFailure(step.action().wire() + " step " + step.id() + " names no targets");
    }
    return targets;
  }

  static boolean hasRestore(PlanStep step) {
    return step.restore() != null && !step.restore().isEmpty();
  }

  static ObjectState restoreFor(PlanStep step, String kind, String namespace, String name) {
    if (step.restore() == null) {
      return null;
    }
    return step.restore().stream()
        .filter(state -> same(state, kind, namespace, name))
        .findFirst()
        .orElse(null);
  }

  static boolean same(ObjectState state, String kind, String namespace, String name) {
    return state.kind().equals(kind)
        && Objects.equals(state.namespace(), namespace)
        && state.name().equals(name);
  }

  static ObjectState absent(ObjectRef ref) {
    return ObjectMaps.absent(
        Resources.apiVersion(ref.apiVersion(), ref.kind()),
        ref.kind(),
        ref.namespace(),
        ref.name());
  }

  /** A deterministic name for an object a step creates, at most 63 characters. */
  static String objectName(String base, StepContext context) {
    String hash = shortHash(context.upgradeId() + "/" + context.step().id());
    String prefix = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    int room = 63 - hash.length() - 1;
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room);
    }
    return prefix + "-" + hash;
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String describe(ObjectRef ref) {
    return ref.kind() + " " + ref.namespace() + "/" + ref.name();
  }

  static String describe(WorkloadRef ref) {
    return ref.kind() + " " + ref.namespace() + "/" + ref.name();
  }

  static String describe(GenericKubernetesResource object) {
    return object.getKind()
        + " "
        + object.getMetadata().getNamespace()
        + "/"
        + object.getMetadata().getName();
  }
}
