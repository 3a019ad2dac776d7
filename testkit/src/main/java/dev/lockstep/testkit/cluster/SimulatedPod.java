package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One pod the simulated kubelet runs: its fixed timeline, decided when it is created, and the last
 * copy of it the API server returned. Only the kubelet's own thread touches it.
 */
final class SimulatedPod {

  /** How the pod's containers end. */
  enum Outcome {
    /** A long-running service container: runs (or crash-loops) until deleted. */
    KEEP_RUNNING,
    /** A Job container that exits 0. */
    SUCCEED,
    /** A Job container that exits 1. */
    FAIL
  }

  final String name;
  final String templateHash;
  final String nodeName;
  final String hostIp;
  final String podIp;
  final Instant createdAt;

  /** When the containers start; before that the pod is Pending in ContainerCreating. */
  final Instant startAt;

  /** When a Job's container terminates; {@code null} for long-running pods. */
  final Instant finishAt;

  /** The first crash-loop back-off; it doubles after each restart, up to 16 times. */
  final Duration backOff;

  final List<Container> containers;

  /** Names of the containers that crash on start because their image is faulty. */
  final Set<String> crashing;

  final Outcome outcome;

  /** The pod as last stored on the server, with its uid and resourceVersion. */
  Pod stored;

  SimulatedPod(
      String name,
      String templateHash,
      String nodeName,
      String hostIp,
      String podIp,
      Instant createdAt,
      Instant startAt,
      Instant finishAt,
      Duration backOff,
      List<Container> containers,
      Set<String> crashing,
      Outcome outcome,
      Pod stored) {
    this.name = name;
    this.templateHash = templateHash;
    this.nodeName = nodeName;
    this.hostIp = hostIp;
    this.podIp = podIp;
    this.createdAt = createdAt;
    this.startAt = startAt;
    this.finishAt = finishAt;
    this.backOff = backOff;
    this.containers = List.copyOf(containers);
    this.crashing = Set.copyOf(crashing);
    this.outcome = outcome;
    this.stored = stored;
  }

  String uid() {
    return stored.getMetadata().getUid();
  }
}
