package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code availability.observed}: what a prober saw of each component's health endpoint while an
 * upgrade (and its rollbacks) ran, under a small steady load: whether the upgrade really kept its
 * users served. The local mode's prober publishes it when the upgrade ends; an operator's synthetic
 * monitoring may too. The post-mortem shows it next to the plan's expected downtime.
 *
 * @param upgradeId the upgrade probed
 * @param platform the platform
 * @param prober who probed ({@code lockstep local}, or the monitoring's name)
 * @param from when probing began
 * @param to when it ended
 * @param components what each component's endpoint answered
 */
public record AvailabilityObserved(
    String upgradeId,
    String platform,
    String prober,
    Instant from,
    Instant to,
    List<ComponentAvailability> components)
    implements EventPayload {
  public AvailabilityObserved {
    components = List.copyOf(components);
  }

  /**
   * One component's endpoint, probed.
   *
   * @param component the component
   * @param endpoint what was probed (a URL)
   * @param requests how many probes were sent
   * @param failures how many did not answer 2xx in time
   * @param unavailable how long it was unavailable in all: from each failed probe after a success
   *     to the next success (or the end)
   * @param longestOutage the longest of those stretches
   */
  public record ComponentAvailability(
      String component,
      String endpoint,
      int requests,
      int failures,
      Duration unavailable,
      Duration longestOutage) {}
}
