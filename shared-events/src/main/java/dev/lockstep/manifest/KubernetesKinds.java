package dev.lockstep.manifest;

import java.util.Set;

/**
 * Which Kubernetes kinds live in a namespace. Lockstep treats every kind as namespaced except the
 * built-in cluster-scoped kinds listed here and the kinds of custom resource definitions that a
 * release itself delivers with {@code scope: Cluster}: an object of a namespaced kind must name its
 * namespace, so that a plan says exactly where it acts.
 */
public final class KubernetesKinds {
  /** The built-in (and VolumeSnapshot) kinds that are not namespaced. */
  public static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "Node",
          "PersistentVolume",
          "ClusterRole",
          "ClusterRoleBinding",
          "CustomResourceDefinition",
          "StorageClass",
          "PriorityClass",
          "RuntimeClass",
          "IngressClass",
          "CSIDriver",
          "CSINode",
          "VolumeAttachment",
          "VolumeSnapshotClass",
          "VolumeSnapshotContent",
          "MutatingWebhookConfiguration",
          "ValidatingWebhookConfiguration",
          "ValidatingAdmissionPolicy",
          "ValidatingAdmissionPolicyBinding",
          "APIService",
          "CertificateSigningRequest",
          "FlowSchema",
          "PriorityLevelConfiguration",
          "ComponentStatus");

  private KubernetesKinds() {}

  /** True when objects of the kind live in a namespace (unknown kinds are taken as namespaced). */
  public static boolean namespaced(String kind) {
    return kind != null && !CLUSTER_SCOPED.contains(kind);
  }

  /**
   * The same, knowing the kinds that custom resource definitions declare cluster-scoped ({@code
   * spec.scope: Cluster}).
   */
  public static boolean namespaced(String kind, Set<String> clusterScopedCustomKinds) {
    return namespaced(kind) && !clusterScopedCustomKinds.contains(kind);
  }
}
