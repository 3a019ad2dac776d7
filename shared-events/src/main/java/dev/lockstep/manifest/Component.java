package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * One component of a release, delivered in exactly one of four ways: {@code image} with {@code
 * workload}, {@code manifests}, {@code helm}, or {@code customResource}.
 *
 * @param name unique in the release
 * @param layer one of the release's layers
 * @param version its semver
 * @param requires other components and the npm-style semver range each must satisfy
 * @param workload the workload whose container image is set (with {@code image})
 * @param image the new container image (with {@code workload})
 * @param drain workloads scaled to zero before the change and restored after
 * @param migration a Job run before the workload changes
 * @param backup snapshot the workload's volumes before the change
 * @param gates gates of this component, run after its wave
 * @param manifests a bundle of Kubernetes objects, applied by create-or-replace
 * @param helm a Helm chart rendered into manifests
 * @param customResource an operator-managed resource patched and waited on
 */
public record Component(
    String name,
    String layer,
    String version,
    @Omittable Map<String, String> requires,
    @Nullable WorkloadRef workload,
    @Nullable String image,
    @Omittable List<ObjectRef> drain,
    @Nullable Migration migration,
    @Nullable Backup backup,
    @Omittable List<Gate> gates,
    @Nullable List<Map<String, Object>> manifests,
    @Nullable HelmChart helm,
    @Nullable CustomResource customResource) {

  public Component {
    requires = requires == null ? Map.of() : Map.copyOf(requires);
    drain = drain == null ? List.of() : List.copyOf(drain);
    gates = gates == null ? List.of() : List.copyOf(gates);
  }

  /** How the component is delivered. */
  public Delivery delivery() {
    if (manifests != null) {
      return Delivery.MANIFESTS;
    }
    if (helm != null) {
      return Delivery.HELM;
    }
    if (customResource != null) {
      return Delivery.CUSTOM_RESOURCE;
    }
    return Delivery.IMAGE;
  }

  /** True when the component keeps state that a backup protects. */
  public boolean stateful() {
    return backup != null || (workload != null && WorkloadRef.STATEFUL_SET.equals(workload.kind()));
  }
}
