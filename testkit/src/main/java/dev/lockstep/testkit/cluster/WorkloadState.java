package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the simulated kubelet remembers about one workload object (one uid): its pods and where its
 * rollout stands. Only the kubelet's own thread touches it.
 */
final class WorkloadState {

  final WorkloadKey key;
  final String uid;
  final Instant firstSeen;

  /** Pods by name. */
  final Map<String, SimulatedPod> pods = new LinkedHashMap<>();

  /** Hash of the pod template the pods run; {@code null} before the first reconcile. */
  String templateHash;

  /** The pod template the pods run (an older one while a Deployment is paused). */
  PodTemplateSpec template;

  /** When the current rollout (template or replica change) started, for the progress deadline. */
  Instant progressSince;

  /** The desired pod count at the last reconcile. */
  int desired = -1;

  /** StatefulSet: the revision of the last completed rollout. */
  String completedRevision;

  /** Job: whether it is set to fail, decided when first seen. */
  boolean jobFails;

  /** Job: when its pod terminated; {@code null} while running. */
  Instant jobFinishedAt;

  WorkloadState(WorkloadKey key, String uid, Instant firstSeen) {
    this.key = key;
    this.uid = uid;
    this.firstSeen = firstSeen;
  }

  /** Starts a rollout of a new pod template. */
  void rollOut(String hash, PodTemplateSpec podTemplate, Instant now) {
    templateHash = hash;
    template = podTemplate;
    progressSince = now;
  }

  /** Records the desired pod count; a change restarts the progress deadline. */
  void desire(int count, Instant now) {
    if (count != desired) {
      desired = count;
      progressSince = now;
    }
  }
}
