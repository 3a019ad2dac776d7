package dev.lockstep.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the {@link SimulatedKubelet}'s controllers share: template hashes and generated name
 * suffixes as Kubernetes makes them, and writing a status only when it changed.
 */
final class Reconciling {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final char[] NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789".toCharArray();

  private Reconciling() {}

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

  /** Five random characters, as in a generated pod name. */
  static String randomSuffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(NAME_ALPHABET[ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length)]);
    }
    return suffix.toString();
  }

  static List<Container> containers(PodTemplateSpec template) {
    return template == null || template.getSpec() == null
        ? List.of()
        : template.getSpec().getContainers();
  }

  /** Whether two statuses serialise to the same JSON. */
  static boolean sameJson(Object computed, Object current) {
    if (current == null) {
      return computed == null;
    }
    return JSON.convertValue(computed, JsonNode.class)
        .equals(JSON.convertValue(current, JsonNode.class));
  }

  static <T extends HasMetadata> void updateStatus(
      NonNamespaceOperation<T, ?, ? extends Resource<T>> operation, T object) {
    operation.resource(object).updateStatus();
  }
}
