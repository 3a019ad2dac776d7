package dev.lockstep.executor.cluster;

import java.time.Duration;

/**
 * How long the cluster side waits.
 *
 * @param rolloutTimeout the longest a rollout may take (Deployments also obey their own progress
 *     deadline)
 * @param drainQuietPeriod how long to stay quiet after a drained workload's pods are gone
 * @param migrationTimeout the longest a migration Job may run when its step names no timeout
 * @param snapshotTimeout the longest a VolumeSnapshot may take to become ready
 */
public record ClusterTimings(
    Duration rolloutTimeout,
    Duration drainQuietPeriod,
    Duration migrationTimeout,
    Duration snapshotTimeout) {}
