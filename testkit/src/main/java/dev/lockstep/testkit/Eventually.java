package dev.lockstep.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits in tests for something that happens on another thread or in another process: polls a
 * condition until it holds or a time limit passes, then fails with an {@link AssertionError} that
 * says what was awaited and what was last seen. The one way tests wait, instead of deadline loops
 * of their own.
 *
 * <pre>{@code
 * Eventually.until("the consumer got its partitions", Duration.ofSeconds(30), consumer::assigned);
 * List<Event> events = Eventually.value(() -> read(topic), e -> e.size() == 2, Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>An interrupt ends the wait with an {@link AssertionError} and keeps the thread's interrupt
 * flag set.
 */
public final class Eventually {
  /** How long to sleep between two checks unless told otherwise. */
  public static final Duration POLL = Duration.ofMillis(100);

  private Eventually() {}

  /**
   * Polls until {@code condition} holds.
   *
   * @param what what is awaited, for the failure: "timed out after PT30S waiting until {what}"
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(timeout, POLL, condition, () -> "timed out after " + timeout + " waiting until " + what);
  }

  /**
   * Polls every {@code poll} until {@code condition} holds, failing with the message {@code
   * failure} builds at that moment (so it can describe the last state).
   */
  public static void until(
      Duration timeout, Duration poll, BooleanSupplier condition, Supplier<String> failure) {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      if (Duration.ofNanos(System.nanoTime() - start).compareTo(timeout) > 0) {
        throw new AssertionError(failure.get());
      }
      sleep(poll);
    }
  }

  /**
   * Polls {@code value} until it satisfies {@code condition} and returns that value; fails with the
   * last value read.
   */
  public static <T> T value(Supplier<T> value, Predicate<? super T> condition, Duration timeout) {
    return value(value, condition, timeout, POLL);
  }

  /** Like {@link #value(Supplier, Predicate, Duration)}, polling every {@code poll}. */
  public static <T> T value(
      Supplier<T> value, Predicate<? super T> condition, Duration timeout, Duration poll) {
    return value(
        value,
        condition,
        timeout,
        poll,
        last -> "condition not reached within " + timeout + "; last value: " + last);
  }

  /**
   * Like {@link #value(Supplier, Predicate, Duration, Duration)}, failing with the message that
   * {@code failure} makes of the last value read.
   */
  public static <T> T value(
      Supplier<T> value,
      Predicate<? super T> condition,
      Duration timeout,
      Duration poll,
      Function<? super T, String> failure) {
    long start = System.nanoTime();
    T last = value.get();
    while (!condition.test(last)) {
      if (Duration.ofNanos(System.nanoTime() - start).compareTo(timeout) > 0) {
        throw new AssertionError(failure.apply(last));
      }
      sleep(poll);
      last = value.get();
    }
    return last;
  }

  private static void sleep(Duration poll) {
    try {
      Thread.sleep(poll.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
