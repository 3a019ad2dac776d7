package dev.lockstep.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Retries wait longer each time, never longer than the cap, and stop after the last attempt. */
class DeliveryBackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 6);

  @Test
  void pausesDoubleUpToTheCap() {
    assertThat(backoff.pauseAfter(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.pauseAfter(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.pauseAfter(4)).isEqualTo(Duration.ofSeconds(8));
    assertThat(backoff.pauseAfter(5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.pauseAfter(60)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void givesUpAfterTheLastAttempt() {
    assertThat(backoff.exhausted(5)).isFalse();
    assertThat(backoff.exhausted(6)).isTrue();
  }

  @Test
  void theDeliveryIdIsTheSameForTheSameNoticeTeamAndChannel() {
    assertThat(DeliveryLog.deliveryId("e-1", "ops", "hook"))
        .isEqualTo(DeliveryLog.deliveryId("e-1", "ops", "hook"))
        .isNotEqualTo(DeliveryLog.deliveryId("e-1", "ops", "slack"))
        .isNotEqualTo(DeliveryLog.deliveryId("e-1", "dev", "hook"));
  }
}
