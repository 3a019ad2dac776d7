package dev.lockstep.runtime.metrics;

import java.time.Duration;

/**
 * The buckets of every {@code lockstep_*_seconds} histogram (steps, gates, the reaction to a failed
 * gate): from a tenth of a second, for a quick check, to an hour, for a migration; one set, so that
 * the dashboard's quantiles line up across services.
 */
public final class DurationBuckets {
  private DurationBuckets() {}

  /** The bucket bounds, a new array each time. */
  public static Duration[] seconds() {
    return new Duration[] {
      Duration.ofMillis(100),
      Duration.ofMillis(500),
      Duration.ofSeconds(1),
      Duration.ofSeconds(5),
      Duration.ofSeconds(15),
      Duration.ofSeconds(30),
      Duration.ofMinutes(1),
      Duration.ofMinutes(2),
      Duration.ofMinutes(5),
      Duration.ofMinutes(10),
      Duration.ofMinutes(30),
      Duration.ofHours(1)
    };
  }
}
