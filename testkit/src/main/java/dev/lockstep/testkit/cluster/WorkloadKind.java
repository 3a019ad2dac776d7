package dev.lockstep.testkit.cluster;

/** The workload kinds the simulated kubelet runs pods for. */
enum WorkloadKind {
  DEPLOYMENT("apps/v1", "Deployment"),
  STATEFUL_SET("apps/v1", "StatefulSet"),
  DAEMON_SET("apps/v1", "DaemonSet"),
  JOB("batch/v1", "Job");

  private final String apiVersion;
  private final String kind;

  WorkloadKind(String apiVersion, String kind) {
    this.apiVersion = apiVersion;
    this.kind = kind;
  }

  String apiVersion() {
    return apiVersion;
  }

  String kind() {
    return kind;
  }
}
