package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The waits of the local mode before it starts a service that exited again, which its narration
 * prints ("restarting it in 4 s"): at once, then doubling to a cap, afresh after a service stayed
 * up.
 */
class RestartBackoffTest {
  private final RestartBackoff backoff = RestartBackoff.STANDARD;

  @Test
  void theFirstRestartIsAtOnceThenTheWaitDoublesUpToHalfAMinute() {
    assertThat(IntStream.range(0, 9).mapToObj(backoff::delay).map(Duration::toSeconds))
        .containsExactly(0L, 1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aServiceThatStayedUpForAMinuteIsRestartedAtOnceAgain() {
    assertThat(backoff.resets(Duration.ofSeconds(59))).isFalse();
    assertThat(backoff.resets(Duration.ofSeconds(60))).isTrue();
  }
}
