package dev.lockstep.manifest;

/**
 * Snapshot the workload's persistent volume claims before the change.
 *
 * @param volumeSnapshotClass the CSI snapshot class to use
 */
public record Backup(String volumeSnapshotClass) {}
