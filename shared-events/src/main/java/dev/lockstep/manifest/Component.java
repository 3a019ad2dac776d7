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
 * @param retries how many times a failed step of this component is run again before the upgrade
 *     fails (0 to 10); null: never
 * @param quiet what the drain waits on once the drained pods are gone: listed components' logs
 *     silent for a period, within a deadline; null: nothing more
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
    @Nullable CustomResource customResource,
    @Nullable Integer retries,
    @Nullable Quiet quiet) {

  /** The most retries a component may ask for. */
  public static final int MAX_RETRIES = 10;

  public Component {
    requires = requires == null ? Map.of() : Map.copyOf(requires);
    drain = drain == null ? List.of() : List.copyOf(drain);
    gates = gates == null ? List.of() : List.copyOf(gates);
  }

  /** A component whose failed steps are never retried. */
  public Component(
      String name,
      String layer,
      String version,
      Map<String, String> requires,
      @Nullable WorkloadRef workload,
      @Nullable String image,
      List<ObjectRef> drain,
      @Nullable Migration migration,
      @Nullable Backup backup,
      List<Gate> gates,
      @Nullable List<Map<String, Object>> manifests,
      @Nullable HelmChart helm,
      @Nullable CustomResource customResource) {
    this(
        name,
        layer,
        version,
        requires,
        workload,
        image,
        drain,
        migration,
        backup,
        gates,
        manifests,
        helm,
        customResource,
        null,
        null);
  }

  /** A component whose drain waits for no quiet. */
  public Component(
      String name,
      String layer,
      String version,
      Map<String, String> requires,
      @Nullable WorkloadRef workload,
      @Nullable String image,
      List<ObjectRef> drain,
      @Nullable Migration migration,
      @Nullable Backup backup,
      List<Gate> gates,
      @Nullable List<Map<String, Object>> manifests,
      @Nullable HelmChart helm,
      @Nullable CustomResource customResource,
      @Nullable Integer retries) {
    this(
        name,
        layer,
        version,
        requires,
        workload,
        image,
        drain,
        migration,
        backup,
        gates,
        manifests,
        helm,
        customResource,
        retries,
        null);
  }

  /** How many times a failed step of this component runs again: 0 when the manifest says none. */
  public int retriesOrZero() {
    return retries == null ? 0 : Math.max(0, retries);
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
