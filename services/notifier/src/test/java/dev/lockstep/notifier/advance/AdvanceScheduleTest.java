package dev.lockstep.notifier.advance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.notifier.TestingNotifier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Advance notices fall at their lead times before the window; none for what is past or unknown. */
class AdvanceScheduleTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
  private static final List<Duration> LEADS = List.of(Duration.ofHours(24), Duration.ofHours(1));

  @Test
  void eachLeadTimeBeforeTheWindowOpens() {
    Instant opens = NOW.plus(Duration.ofDays(3));

    assertThat(AdvanceSchedule.of(TestingNotifier.plan("p", "u", opens), LEADS, NOW))
        .containsExactly(
            new AdvanceSchedule.Due(Duration.ofHours(24), opens.minus(Duration.ofHours(24))),
            new AdvanceSchedule.Due(Duration.ofHours(1), opens.minus(Duration.ofHours(1))));
  }

  @Test
  void aLeadTimeAlreadyPastIsSkipped() {
    Instant opens = NOW.plus(Duration.ofHours(5));

    assertThat(AdvanceSchedule.of(TestingNotifier.plan("p", "u", opens), LEADS, NOW))
        .extracting(AdvanceSchedule.Due::lead)
        .containsExactly(Duration.ofHours(1));
  }

  @Test
  void leadTimesAreReadInEitherNotation() {
    assertThat(AdvanceSchedule.parseLeads("24h, 1h")).isEqualTo(LEADS);
    assertThat(AdvanceSchedule.parseLeads("PT24H,PT1H")).isEqualTo(LEADS);
    assertThat(AdvanceSchedule.parseLeads("2d,30m,90s"))
        .containsExactly(Duration.ofDays(2), Duration.ofMinutes(30), Duration.ofSeconds(90));
  }

  @Test
  void aPlanWithoutAWindowGetsNoNotice() {
    assertThat(AdvanceSchedule.of(TestingNotifier.plan("p", "u", null), LEADS, NOW)).isEmpty();
  }
}
