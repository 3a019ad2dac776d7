package dev.lockstep.testkit.cluster;

import java.time.Duration;

/**
 * The timings and node count of the {@link SimulatedKubelet}, set from any thread and read by the
 * kubelet's own thread when it next creates a pod or checks a deadline; {@link SimulatedKubelet}
 * validates them.
 */
final class KubeletSettings {

  /** Time from a pod's creation to its containers running. */
  volatile Duration rolloutDelay = SimulatedKubelet.DEFAULT_ROLLOUT_DELAY;

  /** Time a Job's container runs before it exits. */
  volatile Duration jobDuration = SimulatedKubelet.DEFAULT_JOB_DURATION;

  /** The first back-off of a crash-looping container. */
  volatile Duration crashLoopBackOff = SimulatedKubelet.DEFAULT_CRASH_LOOP_BACK_OFF;

  /** How long one second of a spec's time field lasts. */
  volatile Duration timeScale = SimulatedKubelet.DEFAULT_TIME_SCALE;

  /** The number of nodes, at least 1. */
  volatile int nodeCount = SimulatedKubelet.DEFAULT_NODE_COUNT;
}
