package dev.lockstep.notifier.delivery;

import java.time.Duration;

/**
 * Capped exponential backoff: the pause after the n-th failed attempt is {@code initial * 2^(n-1)},
 * at most {@code max}; after {@code maxAttempts} attempts the delivery has failed.
 *
 * @param initial the pause after the first failure
 * @param max the longest pause
 * @param maxAttempts attempts before giving up (at least 1)
 */
public record Backoff(Duration initial, Duration max, int maxAttempts) {
  public Backoff {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /** The pause after the given number of failed attempts (1 for the first failure). */
  public Duration pauseAfter(int failedAttempts) {
    Duration pause = initial;
    for (int i = 1; i < failedAttempts && pause.compareTo(max) < 0; i++) {
      pause = pause.multipliedBy(2);
    }
    return pause.compareTo(max) > 0 ? max : pause;
  }

  /** True when no attempt is left after this many. */
  public boolean exhausted(int attempts) {
    return attempts >= maxAttempts;
  }
}
