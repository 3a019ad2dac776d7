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

  /** The timings of the cluster side. */
  public ClusterTimings timings() {
    return new ClusterTimings(rolloutTimeout, drainQuietPeriod, migrationTimeout, snapshotTimeout);
  }
}
