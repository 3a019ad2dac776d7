package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.util.Set;

/**
 * A workload and, for image changes, the container whose image is set.
 *
 * @param kind Deployment, StatefulSet or DaemonSet
 * @param namespace its namespace
 * @param name its name
 * @param container the container to set; the first one when null
 */
public record WorkloadRef(String kind, String namespace, String name, @Nullable String container) {
  public static final String DEPLOYMENT = "Deployment";
  public static final String STATEFUL_SET = "StatefulSet";
  public static final String DAEMON_SET = "DaemonSet";

  /** The workload kinds whose image Lockstep sets. */
  public static final Set<String> KINDS = Set.of(DEPLOYMENT, STATEFUL_SET, DAEMON_SET);
}
