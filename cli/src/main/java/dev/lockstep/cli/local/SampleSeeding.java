package dev.lockstep.cli.local;

import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seeding the {@link SamplePlatform}'s objects into the simulated cluster as the simulator ({@value
 * SamplePlatform#SEED_ACTOR}), and waiting until its workloads run.
 */
final class SampleSeeding {

  private SampleSeeding() {}

  /**
   * Creates every object in the cluster, or replaces it if it exists.
   *
   * @return the objects as the API server stored them
   */
  static List<HasMetadata> seed(SimulatedCluster cluster, List<HasMetadata> objects) {
    List<HasMetadata> stored = new ArrayList<>();
    try (KubernetesClient client = cluster.newClient(SamplePlatform.SEED_ACTOR)) {
      for (HasMetadata object : objects) {
        stored.add(createOrReplace(client, object));
      }
    }
    return stored;
  }

  /**
   * Waits until every Deployment and StatefulSet among {@code objects} has observed its spec and
   * all its replicas are ready, and every custom resource of {@code customResourceKinds} runs its
   * wanted version healthily.
   *
   * @throws IllegalStateException naming the workloads that are not ready in time
   */
  static void awaitRunning(
      SimulatedCluster cluster,
      Duration timeout,
      List<HasMetadata> objects,
      List<String> customResourceKinds) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> waiting = notRunning(cluster.client(), objects, customResourceKinds);
    while (!waiting.isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the sample platform's workloads are not ready after " + timeout + ": " + waiting);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the sample platform", e);
      }
      waiting = notRunning(cluster.client(), objects, customResourceKinds);
    }
  }

  private static List<String> notRunning(
      KubernetesClient client, List<HasMetadata> objects, List<String> customResourceKinds) {
    List<String> waiting = new ArrayList<>();
    for (HasMetadata object : objects) {
      String namespace = object.getMetadata().getNamespace();
      String name = object.getMetadata().getName();
      if (object instanceof Deployment) {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (d == null
            || d.getStatus() == null
            || !ready(
                d.getMetadata().getGeneration(),
                d.getStatus().getObservedGeneration(),
                d.getSpec().getReplicas(),
                d.getStatus().getReadyReplicas())) {
          waiting.add("Deployment " + namespace + "/" + name);
        }
      } else if (object instanceof GenericKubernetesResource resource
          && customResourceKinds.contains(resource.getApiVersion() + "/" + resource.getKind())) {
        GenericKubernetesResource live =
            client
                .genericKubernetesResources(contextOf(resource))
                .inNamespace(namespace)
                .withName(name)
                .get();
        Object wanted = spec(live).get("version");
        Object running = status(live).get("version");
        if (live == null
            || wanted == null
            || !wanted.equals(running)
            || !"OK".equals(status(live).get("health"))) {
          waiting.add(resource.getKind() + " " + namespace + "/" + name);
        }
      } else if (object instanceof StatefulSet) {
        StatefulSet s = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
        if (s == null
            || s.getStatus() == null
            || !ready(
                s.getMetadata().getGeneration(),
                s.getStatus().getObservedGeneration(),
                s.getSpec().getReplicas(),
                s.getStatus().getReadyReplicas())) {
          waiting.add("StatefulSet " + namespace + "/" + name);
        }
      }
    }
    return waiting;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    Object spec = resource == null ? null : resource.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource resource) {
    Object status = resource == null ? null : resource.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  private static boolean ready(Long generation, Long observed, Integer replicas, Integer ready) {
    int desired = replicas == null ? 1 : replicas;
    return observed != null
        && (generation == null || observed >= generation)
        && (ready == null ? 0 : ready) == desired;
  }

  /**
   * Creates or replaces an object; a replace races the simulated control plane's status writes as
   * on a real cluster, so a conflict (409) is retried with the object read again.
   */
  private static HasMetadata createOrReplace(KubernetesClient client, HasMetadata object) {
    for (int attempt = 1; ; attempt++) {
      try {
        return createOrReplaceOnce(client, object);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private static HasMetadata createOrReplaceOnce(KubernetesClient client, HasMetadata object) {
    if (object instanceof GenericKubernetesResource generic) {
      ResourceDefinitionContext context = contextOf(generic);
      String namespace = generic.getMetadata().getNamespace();
      var resources = client.genericKubernetesResources(context);
      return namespace == null
          ? resources.resource(generic).createOr(NonDeletingOperation::update)
          : resources
              .inNamespace(namespace)
              .resource(generic)
              .createOr(NonDeletingOperation::update);
    }
    return client.resource(object).createOr(NonDeletingOperation::update);
  }

  /** The resource of a kind fabric8 has no model for (a VolumeSnapshotClass, say). */
  private static ResourceDefinitionContext contextOf(GenericKubernetesResource object) {
    String apiVersion = object.getApiVersion();
    int slash = apiVersion.indexOf('/');
    String kind = object.getKind();
    String lower = kind.toLowerCase(Locale.ROOT);
    String plural =
        lower.endsWith("s")
            ? lower + "es"
            : lower.endsWith("y") ? lower.substring(0, lower.length() - 1) + "ies" : lower + "s";
    return new ResourceDefinitionContext.Builder()
        .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
        .withVersion(slash < 0 ? apiVersion : apiVersion.substring(slash + 1))
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(object.getMetadata().getNamespace() != null)
        .build();
  }
}
