package dev.lockstep.executor.inventory;

import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what runs on a platform: the Deployments, StatefulSets and DaemonSets of its allowed
 * namespaces, and the objects of its configured custom resource kinds there (reads only; never a
 * namespace outside them).
 */
@Singleton
public class InventoryReader {
  private final Platforms platforms;
  private final Clock clock;

  public InventoryReader(Platforms platforms, Clock clock) {
    this.platforms = platforms;
    this.clock = clock;
  }

  /** The platform's inventory now. */
  public InventoryObserved observe(String platform) {
    PlatformSettings settings = platforms.find(platform).orElseThrow();
    KubernetesClient client = platforms.client(platform);
    List<InventoryBuilder.Seen> seen = new ArrayList<>();
    for (String namespace : settings.getNamespaces()) {
      client
          .apps()
          .deployments()
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(
              d ->
                  seen.add(
                      seen(
                          "Deployment",
                          d.getMetadata(),
                          d.getSpec().getTemplate(),
                          d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas(),
                          d.getStatus() == null || d.getStatus().getReadyReplicas() == null
                              ? 0
                              : d.getStatus().getReadyReplicas())));
      client
          .apps()
          .statefulSets()
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(
              s ->
                  seen.add(
                      seen(
                          "StatefulSet",
                          s.getMetadata(),
                          s.getSpec().getTemplate(),
                          s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas(),
                          s.getStatus() == null || s.getStatus().getReadyReplicas() == null
                              ? 0
                              : s.getStatus().getReadyReplicas())));
      client
          .apps()
          .daemonSets()
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(
              d ->
                  seen.add(
                      seen(
                          "DaemonSet",
                          d.getMetadata(),
                          d.getSpec().getTemplate(),
                          d.getStatus() == null
                              ? 0
                              : orZero(d.getStatus().getDesiredNumberScheduled()),
                          d.getStatus() == null ? 0 : orZero(d.getStatus().getNumberReady()))));
      for (String type : settings.getCustomResources()) {
        int slash = type.lastIndexOf('/');
        String kind = type.substring(slash + 1);
        client
            .genericKubernetesResources(type.substring(0, slash), kind)
            .inNamespace(namespace)
            .list()
            .getItems()
            .forEach(r -> seen.add(seen(kind, r.getMetadata(), null, 0, 0)));
      }
    }
    return InventoryBuilder.build(platform, seen, clock.instant());
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  private static InventoryBuilder.Seen seen(
      String kind, ObjectMeta meta, PodTemplateSpec template, int replicas, int ready) {
    Map<String, String> images = new LinkedHashMap<>();
    if (template != null && template.getSpec() != null) {
      for (Container container : template.getSpec().getContainers()) {
        images.put(container.getName(), container.getImage());
      }
    }
    return new InventoryBuilder.Seen(
        new ObservedWorkload(
            kind,
            meta.getNamespace(),
            meta.getName(),
            images,
            replicas,
            ready,
            LockstepAnnotations.lockstepOnly(meta.getAnnotations())),
        meta.getLabels() == null ? Map.of() : meta.getLabels());
  }
}
