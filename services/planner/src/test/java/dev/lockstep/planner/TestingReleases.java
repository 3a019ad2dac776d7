package dev.lockstep.planner;

import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.HelmChart;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseMetadata;
import dev.lockstep.manifest.ReleaseSpec;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.UpgradeRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small builders of releases and inventories for the planner's tests. */
public final class TestingReleases {
  public static final List<String> LAYERS = List.of("cloud-kernel", "core-kernel", "user-space");

  private TestingReleases() {}

  /** A component delivered by image into a Deployment in namespace {@code core}. */
  public static Component image(
      String name, String layer, String version, Map<String, String> requires) {
    return new Component(
        name,
        layer,
        version,
        requires,
        new WorkloadRef("Deployment", "core", name, name),
        "registry.example.com/" + name + ":" + version,
        List.of(),
        null,
        null,
        List.of(),
        null,
        null,
        null);
  }

  /** A stateful component with a backup, in namespace {@code data}. */
  public static Component stateful(String name, String layer, String version) {
    return new Component(
        name,
        layer,
        version,
        Map.of(),
        new WorkloadRef("StatefulSet", "data", name, name),
        "registry.example.com/" + name + ":" + version,
        List.of(),
        null,
        new Backup("csi-snapclass"),
        List.of(),
        null,
        null,
        null);
  }

  /** A component with a drain, a migration and a gate. */
  public static Component drained(
      String name, String layer, String version, Map<String, String> requires, Gate gate) {
    return new Component(
        name,
        layer,
        version,
        requires,
        new WorkloadRef("Deployment", "core", name, name),
        "registry.example.com/" + name + ":" + version,
        List.of(ObjectRef.of("StatefulSet", "core", name + "-operator")),
        new Migration("registry.example.com/" + name + "-migrate:" + version, List.of(), "4m"),
        null,
        gate == null ? List.of() : List.of(gate),
        null,
        null,
        null);
  }

  /** A component delivered by a bundle of objects. */
  @SafeVarargs
  public static Component manifests(
      String name, String layer, String version, Map<String, Object>... objects) {
    return new Component(
        name,
        layer,
        version,
        Map.of(),
        null,
        null,
        List.of(),
        null,
        null,
        List.of(),
        List.of(objects),
        null,
        null);
  }

  /** A component delivered by a chart of the test charts directory. */
  public static Component helm(
      String name,
      String layer,
      String version,
      String chart,
      String chartVersion,
      String namespace,
      Map<String, Object> values) {
    return new Component(
        name,
        layer,
        version,
        Map.of(),
        null,
        null,
        List.of(),
        null,
        null,
        List.of(),
        null,
        new HelmChart(chart, chartVersion, values, namespace),
        null);
  }

  /** A component delivered by patching a custom resource. */
  public static Component customResource(
      String name, String layer, String version, CustomResource resource) {
    return new Component(
        name, layer, version, Map.of(), null, null, List.of(), null, null, List.of(), null, null,
        resource);
  }

  /** A Kubernetes object with a {@code data} or {@code spec} body. */
  public static Map<String, Object> object(
      String apiVersion, String kind, String namespace, String name, Map<String, Object> body) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    if (namespace != null) {
      metadata.put("namespace", namespace);
    }
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    object.put("metadata", metadata);
    object.putAll(body);
    return object;
  }

  /** An HTTP gate. */
  public static Gate httpGate(String name) {
    return new Gate(
        name,
        null,
        new Gate.HttpCheck(
            "http://" + name + ".core:8080/health", null, 200, null, null, null, null),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A release of the three standard layers. */
  public static Release release(String version, List<Gate> gates, Component... components) {
    return new Release(
        Release.API_VERSION,
        Release.KIND,
        new ReleaseMetadata("dataos", version, "notes of " + version),
        new ReleaseSpec(LAYERS, List.of(components), gates));
  }

  /**
   * What the executor observes on a platform where nothing runs yet: the planner plans a platform's
   * upgrades only once it has observed what runs there, even when that is nothing.
   */
  public static dev.lockstep.events.v1.InventoryObserved nothingRunning(
      String platform, java.time.Instant at) {
    return new dev.lockstep.events.v1.InventoryObserved(platform, at, List.of(), null);
  }

  /** What the executor observes on a platform that runs metis 1.0.0 (Deployment core/metis). */
  public static dev.lockstep.events.v1.InventoryObserved metisRunning(
      String platform, java.time.Instant at) {
    return new dev.lockstep.events.v1.InventoryObserved(
        platform,
        at,
        List.of(
            new dev.lockstep.events.v1.InventoryComponent(
                "metis",
                "core-kernel",
                "1.0.0",
                Map.of(),
                List.of(
                    new dev.lockstep.events.v1.ObservedWorkload(
                        "Deployment",
                        "core",
                        "metis",
                        Map.of("metis", "m:1.0.0"),
                        1,
                        1,
                        Map.of())))));
  }

  /** A running component. */
  public static RunningComponent running(
      String name, String layer, String version, Map<String, String> requires) {
    return new RunningComponent(
        name, layer, version, requires, List.of(ObjectRef.of("Deployment", "core", name)));
  }

  /** An upgrade request of a release against an inventory, without window or namespace limits. */
  public static UpgradeRequest request(Release release, List<RunningComponent> current) {
    return new UpgradeRequest("u-1", "p-1", release, current, "1.0.0", null, null, "release");
  }

  /** The same with a window and allowed namespaces. */
  public static UpgradeRequest request(
      Release release, List<RunningComponent> current, Window window, Set<String> namespaces) {
    return new UpgradeRequest(
        "u-1", "p-1", release, current, "1.0.0", window, namespaces, "release");
  }
}
