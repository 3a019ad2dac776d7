package dev.lockstep.executor.cluster;

import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Locale;
import java.util.Map;

/**
 * The kinds Lockstep acts on, as fabric8 resource contexts, so that every object is read and
 * written the same way (as a generic resource) without an API discovery round trip.
 */
public final class Resources {
  /** The API version of VolumeSnapshots. */
  public static final String SNAPSHOT_API = "snapshot.storage.k8s.io/v1";

  private static final Map<String, String> API_VERSIONS =
      Map.ofEntries(
          Map.entry("Deployment", "apps/v1"),
          Map.entry("StatefulSet", "apps/v1"),
          Map.entry("DaemonSet", "apps/v1"),
          Map.entry("Job", "batch/v1"),
          Map.entry("PersistentVolumeClaim", "v1"),
          Map.entry("Pod", "v1"),
          Map.entry("Service", "v1"),
          Map.entry("ConfigMap", "v1"),
          Map.entry("ServiceAccount", "v1"),
          Map.entry("VolumeSnapshot", SNAPSHOT_API));

  private Resources() {}

  /** The API version of a kind, from the reference or the built-in table. */
  public static String apiVersion(String apiVersion, String kind) {
    if (apiVersion != null && !apiVersion.isBlank()) {
      return apiVersion;
    }
    String known = API_VERSIONS.get(kind);
    if (known == null) {
      throw new StepFailure("the API version of kind " + kind + " is not known; name it");
    }
    return known;
  }

  /** The resource context of a namespaced kind. */
  public static ResourceDefinitionContext context(String apiVersion, String kind) {
    String resolved = apiVersion(apiVersion, kind);
    int slash = resolved.indexOf('/');
    String group = slash < 0 ? "" : resolved.substring(0, slash);
    String version = slash < 0 ? resolved : resolved.substring(slash + 1);
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural(kind))
        .withNamespaced(true)
        .build();
  }

  /** The object an {@link ObjectRef} names. */
  public static Resource<GenericKubernetesResource> of(
      KubernetesClient client, ObjectRef ref, String defaultNamespace) {
    String namespace = ref.namespace() == null ? defaultNamespace : ref.namespace();
    return client
        .genericKubernetesResources(context(ref.apiVersion(), ref.kind()))
        .inNamespace(namespace)
        .withName(ref.name());
  }

  /** A named object of a kind. */
  public static Resource<GenericKubernetesResource> of(
      KubernetesClient client, String kind, String namespace, String name) {
    return client
        .genericKubernetesResources(context(null, kind))
        .inNamespace(namespace)
        .withName(name);
  }

  /** The namespace of an object's kind, to create and replace objects in. */
  public static NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      in(KubernetesClient client, ObjectRef ref) {
    return client
        .genericKubernetesResources(context(ref.apiVersion(), ref.kind()))
        .inNamespace(ref.namespace());
  }

  /**
   * The plural resource name of a kind, as Kubernetes forms it for the built-in kinds and as most
   * CRDs declare it (an API discovery round trip would be exact; the simulated API server knows
   * only the CRDs created in it).
   */
  static String plural(String kind) {
    String lower = kind.toLowerCase(Locale.ROOT);
    if (lower.equals("endpoints")) {
      return lower;
    }
    if (lower.endsWith("s")) {
      return lower + "es";
    }
    if (lower.endsWith("y")) {
      return lower.substring(0, lower.length() - 1) + "ies";
    }
    return lower + "s";
  }
}
