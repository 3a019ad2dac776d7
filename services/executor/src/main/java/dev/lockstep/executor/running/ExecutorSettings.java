package dev.lockstep.executor.running;

import dev.lockstep.executor.cluster.ClusterTimings;
import io.micronaut.context.annotation.ConfigurationProperties;
import java.time.Duration;

/** The executor's own settings ({@code lockstep.executor.*}). */
@ConfigurationProperties("lockstep.executor")
public class ExecutorSettings {
  private String group = "executor";
  private Duration pollInterval = Duration.ofSeconds(2);
  private Duration rolloutTimeout = Duration.ofMinutes(10);
  private Duration drainQuietPeriod = Duration.ZERO;
  private Duration migrationTimeout = Duration.ofMinutes(10);
  private Duration snapshotTimeout = Duration.ofMinutes(10);
  private Duration inventoryInterval = Duration.ofMinutes(5);
  private int workers = 4;
  private String leaseNamespace = "lockstep";
  private Duration leaseDuration = Duration.ofSeconds(15);
  private Duration leaseRenewInterval = Duration.ofSeconds(5);
  private Duration gateVerdictTimeout = Duration.ofMinutes(15);
  private Duration gateVerdictGrace = Duration.ofMinutes(1);
  private Duration approvalTimeout = Duration.ofHours(24);
  private Duration stepRetryPause = Duration.ofSeconds(2);
  private String instanceId;

  /** The consumer group of the executor (all instances share it: it decides ownership). */
  public String getGroup() {
    return group;
  }

  public void setGroup(String group) {
    this.group = group;
  }

  /** How often a wait (rollout, Job, snapshot, drain) looks at the cluster. */
  public Duration getPollInterval() {
    return pollInterval;
  }

  public void setPollInterval(Duration pollInterval) {
    this.pollInterval = pollInterval;
  }

  /** The longest a rollout may take. */
  public Duration getRolloutTimeout() {
    return rolloutTimeout;
  }

  public void setRolloutTimeout(Duration rolloutTimeout) {
    this.rolloutTimeout = rolloutTimeout;
  }

  /** How long to stay quiet after a drained workload's pods are gone. */
  public Duration getDrainQuietPeriod() {
    return drainQuietPeriod;
  }

  public void setDrainQuietPeriod(Duration drainQuietPeriod) {
    this.drainQuietPeriod = drainQuietPeriod;
  }

  /** The longest a migration Job may run when its step names no timeout. */
  public Duration getMigrationTimeout() {
    return migrationTimeout;
  }

  public void setMigrationTimeout(Duration migrationTimeout) {
    this.migrationTimeout = migrationTimeout;
  }

  /** The longest a VolumeSnapshot may take to become ready. */
  public Duration getSnapshotTimeout() {
    return snapshotTimeout;
  }

  public void setSnapshotTimeout(Duration snapshotTimeout) {
    this.snapshotTimeout = snapshotTimeout;
  }

  /** How often the inventory of every owned platform is published. */
  public Duration getInventoryInterval() {
    return inventoryInterval;
  }

  public void setInventoryInterval(Duration inventoryInterval) {
    this.inventoryInterval = inventoryInterval;
  }

  /** Threads that make cluster changes. */
  public int getWorkers() {
    return workers;
  }

  public void setWorkers(int workers) {
    this.workers = workers;
  }

  /**
   * The namespace of the platform's cluster that holds the executor's Lease of each platform
   * ({@code lockstep-executor-<platform>}); the chart sets it to the namespace Lockstep runs in.
   */
  public String getLeaseNamespace() {
    return leaseNamespace;
  }

  public void setLeaseNamespace(String leaseNamespace) {
    this.leaseNamespace = leaseNamespace;
  }

  /**
   * How long a platform's Lease lasts without a renewal: how long another instance waits before it
   * takes over the platform of an instance that stopped renewing (frozen, killed, cut off).
   */
  public Duration getLeaseDuration() {
    return leaseDuration;
  }

  public void setLeaseDuration(Duration leaseDuration) {
    this.leaseDuration = leaseDuration;
  }

  /** How often a held Lease is renewed; at most half its duration. */
  public Duration getLeaseRenewInterval() {
    return leaseRenewInterval;
  }

  public void setLeaseRenewInterval(Duration leaseRenewInterval) {
    this.leaseRenewInterval = leaseRenewInterval;
  }

  /**
   * How long a gate's verdict may take when the gate names no {@code timeout} of its own; the grace
   * period is added either way. Past it the gate is asked for again, and past it a second time the
   * upgrade fails (and is rolled back).
   */
  public Duration getGateVerdictTimeout() {
    return gateVerdictTimeout;
  }

  public void setGateVerdictTimeout(Duration gateVerdictTimeout) {
    this.gateVerdictTimeout = gateVerdictTimeout;
  }

  /** What a gate's verdict may take beyond its time limit (delivery, a validator restarting). */
  public Duration getGateVerdictGrace() {
    return gateVerdictGrace;
  }

  public void setGateVerdictGrace(Duration gateVerdictGrace) {
    this.gateVerdictGrace = gateVerdictGrace;
  }

  /**
   * How long an approval step waits for its approval; past it the approvers are asked again, and
   * past it a second time the step fails (and the upgrade is rolled back).
   */
  public Duration getApprovalTimeout() {
    return approvalTimeout;
  }

  public void setApprovalTimeout(Duration approvalTimeout) {
    this.approvalTimeout = approvalTimeout;
  }

  /**
   * The pause between a failed attempt of a step that has retries left ({@code step.retried}) and
   * its next attempt.
   */
  public Duration getStepRetryPause() {
    return stepRetryPause;
  }

  public void setStepRetryPause(Duration stepRetryPause) {
    this.stepRetryPause = stepRetryPause;
  }

  /**
   * This instance's identity in its Leases and in the requests it sends; by default the host name,
   * the process id and a random suffix (unique per start).
   */
  public String getInstanceId() {
    return instanceId;
  }

  public void setInstanceId(String instanceId) {
    this.instanceId = instanceId;
  }

  /** The instance id, made up once when none is configured. */
  public synchronized String instanceId() {
    if (instanceId == null || instanceId.isBlank()) {
      String host = System.getenv().getOrDefault("HOSTNAME", "executor");
      instanceId =
          host
              + "-"
              + ProcessHandle.current().pid()
              + "-"
              + String.format(
                  "%06x", java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 24));
    }
    return instanceId;
  }

  /** The timings of the cluster side. */
  public ClusterTimings timings() {
    return new ClusterTimings(rolloutTimeout, drainQuietPeriod, migrationTimeout, snapshotTimeout);
  }
}
