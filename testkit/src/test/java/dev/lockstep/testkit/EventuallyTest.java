package dev.lockstep.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Waiting in tests: returns as soon as the condition holds, fails clearly once the time is up. */
class EventuallyTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger checks = new AtomicInteger();

    Eventually.until("the third check", Duration.ofSeconds(5), () -> checks.incrementAndGet() >= 3);

    assertThat(checks).hasValue(3);
  }

  @Test
  void returnsTheFirstValueThatSatisfiesTheCondition() {
    AtomicInteger counter = new AtomicInteger();

    int value =
        Eventually.value(
            counter::incrementAndGet, n -> n >= 4, Duration.ofSeconds(5), Duration.ofMillis(1));

    assertThat(value).isEqualTo(4);
  }

  @Test
  void failsNamingWhatWasAwaitedWhenTheTimeIsUp() {
    long start = System.nanoTime();

    assertThatThrownBy(() -> Eventually.until("the sky falls", SHORT, () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after PT0.3S waiting until the sky falls");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
  }

  @Test
  void failsWithTheMessageBuiltAtTheEnd() {
    AtomicInteger checks = new AtomicInteger();

    assertThatThrownBy(
            () ->
                Eventually.until(
                    SHORT,
                    Duration.ofMillis(10),
                    () -> checks.incrementAndGet() < 0,
                    () -> "never; checked " + (checks.get() > 1 ? "often" : "once")))
        .isInstanceOf(AssertionError.class)
        .hasMessage("never; checked often");
  }

  @Test
  void failsWithTheLastValueRead() {
    assertThatThrownBy(() -> Eventually.value(() -> "stuck", "done"::equals, SHORT))
        .isInstanceOf(AssertionError.class)
        .hasMessage("condition not reached within PT0.3S; last value: stuck");
  }

  @Test
  void anInterruptEndsTheWaitAndStaysSet() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Eventually.until("never", Duration.ofSeconds(5), () -> false))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
