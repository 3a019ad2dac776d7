package dev.lockstep.events.v1;

import java.util.Map;

/**
 * A workload as the executor observed it.
 *
 * @param kind Deployment, StatefulSet or DaemonSet
 * @param namespace its namespace
 * @param name its name
 * @param images container name to image
 * @param replicas desired replicas
 * @param readyReplicas ready replicas
 * @param annotations the Lockstep annotations on it
 */
public record ObservedWorkload(
    String kind,
    String namespace,
    String name,
    Map<String, String> images,
    int replicas,
    int readyReplicas,
    Map<String, String> annotations) {
  public ObservedWorkload {
    images = Map.copyOf(images);
    annotations = Map.copyOf(annotations);
  }
}
