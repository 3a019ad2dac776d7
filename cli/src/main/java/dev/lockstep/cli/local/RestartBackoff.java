package dev.lockstep.cli.local;

import java.time.Duration;

/**
 * When the local mode starts a service that exited again, as Kubernetes restarts a pod that
 * crashed: the first restart at once, then after {@code first}, doubling up to {@code cap}; a
 * service that stayed up for {@code resetAfter} before it exited counts as healthy again and is
 * restarted at once. A service that cannot start (a port in use, a broken build) is therefore tried
 * again without end but without keeping a core busy.
 *
 * @param first the wait before the second restart in a row
 * @param cap the longest wait
 * @param resetAfter how long a service must stay up for its next exit to be restarted at once
 */
public record RestartBackoff(Duration first, Duration cap, Duration resetAfter) {
  /** The local mode's: at once, then 1 s, 2 s, 4 s ... up to 30 s; reset after 60 s up. */
  public static final RestartBackoff STANDARD =
      new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

  public RestartBackoff {
    if (first.isNegative() || first.isZero() || cap.compareTo(first) < 0) {
      throw new IllegalArgumentException("need 0 < first <= cap: " + first + ", " + cap);
    }
  }

  /**
   * The wait before a restart.
   *
   * @param restartsInARow the restarts before this one since the service last stayed up for {@link
   *     #resetAfter}
   */
  public Duration delay(int restartsInARow) {
    if (restartsInARow <= 0) {
      return Duration.ZERO;
    }
    Duration delay = first;
    for (int i = 1; i < restartsInARow && delay.compareTo(cap) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(cap) < 0 ? delay : cap;
  }

  /** Whether a service that was up this long before it exited starts the count afresh. */
  public boolean resets(Duration stayedUp) {
    return stayedUp.compareTo(resetAfter) >= 0;
  }
}
