package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Identifies one workload object by kind, namespace and name. */
record WorkloadKey(WorkloadKind kind, String namespace, String name) {

  static WorkloadKey of(WorkloadKind kind, HasMetadata object) {
    return new WorkloadKey(
        kind, object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  @Override
  public String toString() {
    return kind.kind() + " " + namespace + "/" + name;
  }
}
