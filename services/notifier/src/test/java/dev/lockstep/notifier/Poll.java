package dev.lockstep.notifier;

import dev.lockstep.testkit.Eventually;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls until a condition holds or a deadline passes (then fails with the last value): {@link
 * Eventually} with this suite's poll interval.
 */
public final class Poll {
  private Poll() {}

  /** The first value that satisfies the condition. */
  public static <T> T until(Supplier<T> value, Predicate<T> condition, Duration timeout)
      throws InterruptedException {
    return Eventually.value(value, condition, timeout, Duration.ofMillis(25));
  }
}
