package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls until a condition holds or a deadline passes (then fails with the last value). */
public final class Poll {
  private Poll() {}

  /** The first value that satisfies the condition. */
  public static <T> T until(Supplier<T> value, Predicate<T> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = value.get();
    while (!condition.test(last)) {
      if (System.nanoTime() > deadline) {
        fail("condition not reached within " + timeout + "; last value: " + last);
      }
      Thread.sleep(25);
      last = value.get();
    }
    return last;
  }
}
