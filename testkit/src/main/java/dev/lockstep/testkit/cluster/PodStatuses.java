package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The status a real kubelet would report for a {@link SimulatedPod} at a given instant. Pure: the
 * same pod and instant always give the same status, which is what keeps the kubelet from writing
 * unchanged statuses.
 */
final class PodStatuses {

  static final String PENDING = "Pending";
  static final String RUNNING = "Running";
  static final String SUCCEEDED = "Succeeded";
  static final String FAILED = "Failed";

  /**
   * The back-off stops doubling at this multiple of the first back-off (kubelet: 10 s to 5 min).
   */
  private static final int MAX_BACK_OFF_FACTOR = 16;

  private PodStatuses() {}

  /** The pod phase at {@code now}. */
  static String phase(SimulatedPod pod, Instant now) {
    if (now.isBefore(pod.startAt)) {
      return PENDING;
    }
    if (pod.finishAt != null && !now.isBefore(pod.finishAt)) {
      return pod.outcome == SimulatedPod.Outcome.FAIL ? FAILED : SUCCEEDED;
    }
    return RUNNING;
  }

  /** Whether every container of the pod is running and ready at {@code now}. */
  static boolean ready(SimulatedPod pod, Instant now) {
    return phase(pod, now).equals(RUNNING) && pod.crashing.isEmpty();
  }

  /** Whether the pod has ended (a Job pod that succeeded or failed). */
  static boolean terminated(SimulatedPod pod, Instant now) {
    String phase = phase(pod, now);
    return phase.equals(SUCCEEDED) || phase.equals(FAILED);
  }

  /** The next instant after {@code now} at which the pod's status changes, if any. */
  static Optional<Instant> nextChange(SimulatedPod pod, Instant now) {
    if (now.isBefore(pod.startAt)) {
      return Optional.of(pod.startAt);
    }
    if (pod.finishAt != null) {
      return now.isBefore(pod.finishAt) ? Optional.of(pod.finishAt) : Optional.empty();
    }
    if (!pod.crashing.isEmpty()) {
      return Optional.of(crashes(pod, now).next());
    }
    return Optional.empty();
  }

  /** The full pod status at {@code now}. */
  static PodStatus statusAt(SimulatedPod pod, Instant now) {
    String phase = phase(pod, now);
    Crashes crashes = pod.crashing.isEmpty() ? Crashes.NONE : crashes(pod, now);
    List<ContainerStatus> containers =
        pod.containers.stream()
            .map(container -> containerStatus(pod, container, phase, crashes))
            .toList();
    boolean ready =
        phase.equals(RUNNING) && containers.stream().allMatch(ContainerStatus::getReady);
    String created = Timestamps.format(pod.createdAt);
    String readyChanged;
    String notReadyReason;
    if (phase.equals(SUCCEEDED) || phase.equals(FAILED)) {
      readyChanged = Timestamps.format(pod.finishAt);
      notReadyReason = phase.equals(SUCCEEDED) ? "PodCompleted" : "PodFailed";
    } else {
      readyChanged = ready ? Timestamps.format(pod.startAt) : created;
      notReadyReason = "ContainersNotReady";
    }
    String unready =
        containers.stream()
            .filter(status -> !status.getReady())
            .map(ContainerStatus::getName)
            .toList()
            .toString();
    return new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(
            condition("PodScheduled", true, created, null, null),
            condition("Initialized", true, created, null, null),
            condition(
                "ContainersReady",
                ready,
                readyChanged,
                ready ? null : notReadyReason,
                ready ? null : "containers with unready status: " + unready),
            condition(
                "Ready",
                ready,
                readyChanged,
                ready ? null : notReadyReason,
                ready ? null : "containers with unready status: " + unready))
        .withHostIP(pod.hostIp)
        .withHostIPs(new HostIP(pod.hostIp))
        .withPodIP(pod.podIp)
        .withPodIPs(new PodIP(pod.podIp))
        .withStartTime(created)
        .withQosClass("BestEffort")
        .withContainerStatuses(containers)
        .build();
  }

  private static ContainerStatus containerStatus(
      SimulatedPod pod, Container container, String phase, Crashes crashes) {
    ContainerStatusBuilder status =
        new ContainerStatusBuilder()
            .withName(container.getName())
            .withImage(container.getImage())
            .withRestartCount(0)
            .withReady(false)
            .withStarted(false);
    switch (phase) {
      case PENDING ->
          status.withState(
              new ContainerStateBuilder()
                  .withNewWaiting()
                  .withReason("ContainerCreating")
                  .endWaiting()
                  .build());
      case SUCCEEDED, FAILED -> {
        boolean failed = phase.equals(FAILED);
        status
            .withImageID(imageId(container.getImage()))
            .withContainerID(containerId(pod, container, 0))
            .withState(
                new ContainerStateBuilder()
                    .withNewTerminated()
                    .withExitCode(failed ? 1 : 0)
                    .withReason(failed ? "Error" : "Completed")
                    .withStartedAt(Timestamps.format(pod.startAt))
                    .withFinishedAt(Timestamps.format(pod.finishAt))
                    .endTerminated()
                    .build());
      }
      default -> {
        status.withImageID(imageId(container.getImage()));
        if (pod.crashing.contains(container.getName())) {
          status
              .withRestartCount(crashes.count())
              .withContainerID(containerId(pod, container, crashes.count()))
              .withState(crashLoopBackOff(pod, container, crashes))
              .withLastState(
                  new ContainerStateBuilder()
                      .withNewTerminated()
                      .withExitCode(1)
                      .withReason("Error")
                      .withStartedAt(Timestamps.format(crashes.previous()))
                      .withFinishedAt(Timestamps.format(crashes.last()))
                      .endTerminated()
                      .build());
        } else {
          status
              .withReady(true)
              .withStarted(true)
              .withContainerID(containerId(pod, container, 0))
              .withState(
                  new ContainerStateBuilder()
                      .withNewRunning()
                      .withStartedAt(Timestamps.format(pod.startAt))
                      .endRunning()
                      .build());
        }
      }
    }
    return status.build();
  }

  private static ContainerState crashLoopBackOff(
      SimulatedPod pod, Container container, Crashes crashes) {
    Duration wait = Duration.between(crashes.last(), crashes.next());
    return new ContainerStateBuilder()
        .withNewWaiting()
        .withReason("CrashLoopBackOff")
        .withMessage(
            "back-off "
                + wait.toMillis()
                + "ms restarting failed container="
                + container.getName()
                + " pod="
                + pod.name)
        .endWaiting()
        .build();
  }

  private static PodCondition condition(
      String type, boolean status, String since, String reason, String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withLastTransitionTime(since)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  /** The crashes of a crash-looping container up to {@code now}. */
  record Crashes(int count, Instant previous, Instant last, Instant next) {
    static final Crashes NONE = new Crashes(0, null, null, null);
  }

  /**
   * Crash {@code k} (from 1) happens at {@code startAt + backOff * (1 + 2 + ... )}: the first at
   * start, each later one after a back-off that doubles up to {@value #MAX_BACK_OFF_FACTOR} times
   * the first, as the real kubelet's CrashLoopBackOff does.
   */
  static Crashes crashes(SimulatedPod pod, Instant now) {
    Duration backOff = pod.backOff.isZero() ? Duration.ofMillis(1) : pod.backOff;
    Instant previous = pod.startAt;
    Instant last = pod.startAt;
    int count = 1;
    long factor = 1;
    Instant next = last.plus(backOff);
    while (!next.isAfter(now)) {
      previous = last;
      last = next;
      count++;
      factor = Math.min(factor * 2, MAX_BACK_OFF_FACTOR);
      next = last.plus(backOff.multipliedBy(factor));
    }
    return new Crashes(count, previous, last, next);
  }

  private static String imageId(String image) {
    String repository = image == null ? "unknown" : Images.repository(image);
    return repository + "@sha256:" + sha256(String.valueOf(image));
  }

  private static String containerId(SimulatedPod pod, Container container, int restart) {
    return "containerd://" + sha256(pod.name + "/" + container.getName() + "/" + restart);
  }

  static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("SHA-256 is always available", impossible);
    }
  }
}
