package dev.lockstep.manifest;

import jakarta.annotation.Nullable;

/**
 * A Kubernetes object by kind, namespace and name.
 *
 * @param apiVersion the API group and version; implied for the built-in workload kinds
 * @param kind the kind
 * @param namespace the namespace
 * @param name the name
 */
public record ObjectRef(
    @Nullable String apiVersion, String kind, @Nullable String namespace, String name) {
  /** A reference to a namespaced object of a built-in kind. */
  public static ObjectRef of(String kind, String namespace, String name) {
    return new ObjectRef(null, kind, namespace, name);
  }
}
