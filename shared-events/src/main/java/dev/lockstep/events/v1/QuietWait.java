package dev.lockstep.events.v1;

import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Duration;
import java.util.List;

/**
 * A drain step's wait for quiet (the component's {@code quiet} in the manifest), with each listed
 * component's workload resolved by the planner, so that the plan is self-contained: after the
 * drained pods are gone, the executor reads the logs of these workloads' running pods until none
 * has written a line for {@code period}, and fails the step past {@code deadline}.
 *
 * @param components the components whose logs are read, each with its workload
 * @param period how long all must be silent, Go style ({@code 10s})
 * @param deadline the longest the wait may take once the drained pods are gone, Go style
 */
public record QuietWait(List<Source> components, String period, String deadline) {
  public QuietWait {
    components = components == null ? List.of() : List.copyOf(components);
  }

  /**
   * One component whose logs are read.
   *
   * @param component its name
   * @param workload the workload whose pods' logs are read
   */
  public record Source(String component, WorkloadRef workload) {}

  /** The quiet period as a duration. */
  public Duration periodDuration() {
    return GoDuration.parseOr(period, Duration.ZERO);
  }

  /** The deadline as a duration. */
  public Duration deadlineDuration() {
    return GoDuration.parseOr(deadline, Duration.ZERO);
  }
}
