package dev.lockstep.planner.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.v1.Window;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Recurring windows as an operator writes them: days, a local start-end that may pass midnight and
 * an IANA zone; the next window from any instant, across midnight and across Berlin's changes of
 * the clocks; and every problem of a bad spec named at once.
 */
class RecurringWindowTest {
  private static final RecurringWindow TUE_THU =
      RecurringWindow.parse("Tue,Thu 22:00-02:00 Europe/Berlin");

  @Test
  void aSpecReadsItsDaysTimesAndZone() {
    assertThat(TUE_THU.days()).containsExactlyInAnyOrder(DayOfWeek.TUESDAY, DayOfWeek.THURSDAY);
    assertThat(TUE_THU.start()).isEqualTo(LocalTime.of(22, 0));
    assertThat(TUE_THU.end()).isEqualTo(LocalTime.of(2, 0));
    assertThat(TUE_THU.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(RecurringWindow.parse("mon-fri 9:00-17:30 UTC").days())
        .hasSize(5)
        .doesNotContain(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
    assertThat(RecurringWindow.parse("Sat-Mon 01:00-03:00 UTC").days())
        .isEqualTo(Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY, DayOfWeek.MONDAY));
    assertThat(RecurringWindow.parse("daily 01:00-03:00 UTC").days()).hasSize(7);
    assertThat(RecurringWindow.parse("daily 01:00:30-01:05 UTC").start())
        .isEqualTo(LocalTime.of(1, 0, 30));
  }

  @Test
  void theNextWindowPassesMidnightAndOneOpenNowIsTheNextOne() {
    // Tuesday 24 November 2026, noon in Berlin (CET, UTC+1)
    Instant tuesdayNoon = Instant.parse("2026-11-24T11:00:00Z");
    assertThat(TUE_THU.next(tuesdayNoon))
        .isEqualTo(
            new Window(
                Instant.parse("2026-11-24T21:00:00Z"), Instant.parse("2026-11-25T01:00:00Z")));
    // Wednesday 00:30 in Berlin: Tuesday's window is still open
    assertThat(TUE_THU.next(Instant.parse("2026-11-24T23:30:00Z")).notBefore())
        .isEqualTo(Instant.parse("2026-11-24T21:00:00Z"));
    // Wednesday 02:00 in Berlin: it has closed; Thursday's is next
    assertThat(TUE_THU.next(Instant.parse("2026-11-25T01:00:00Z")))
        .isEqualTo(
            new Window(
                Instant.parse("2026-11-26T21:00:00Z"), Instant.parse("2026-11-27T01:00:00Z")));
    // Friday: next Tuesday
    assertThat(TUE_THU.next(Instant.parse("2026-11-27T12:00:00Z")).notBefore())
        .isEqualTo(Instant.parse("2026-12-01T21:00:00Z"));
  }

  @Test
  void aWindowKeepsItsWallClockHoursAcrossBerlinsChangesOfTheClocks() {
    // The clocks go back on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET): a Saturday-night
    // window 22:00-04:00 opens in summer time and closes in winter time, seven hours long.
    RecurringWindow saturdayNight = RecurringWindow.parse("Sat 22:00-04:00 Europe/Berlin");
    assertThat(saturdayNight.next(Instant.parse("2026-10-24T12:00:00Z")))
        .isEqualTo(
            new Window(
                Instant.parse("2026-10-24T20:00:00Z"), Instant.parse("2026-10-25T03:00:00Z")));
    // The clocks go forward on Sunday 29 March 2026 (02:00 CET -> 03:00 CEST): a window that
    // opens at 02:30 opens at 03:30 summer time, the hour the clocks skip being moved over
    RecurringWindow skipped = RecurringWindow.parse("Sun 02:30-05:00 Europe/Berlin");
    assertThat(skipped.next(Instant.parse("2026-03-28T12:00:00Z")))
        .isEqualTo(
            new Window(
                Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-29T03:00:00Z")));
    // a week later, in summer time
    assertThat(TUE_THU.next(Instant.parse("2026-03-30T12:00:00Z")))
        .isEqualTo(
            new Window(
                Instant.parse("2026-03-31T20:00:00Z"), Instant.parse("2026-04-01T00:00:00Z")));
  }

  @Test
  void theEarliestOfSeveralWindowsIsNext() {
    RecurringWindow sunday = RecurringWindow.parse("Sun 06:00-08:00 UTC");
    Instant friday = Instant.parse("2026-11-27T12:00:00Z");
    assertThat(RecurringWindow.nextOf(List.of(TUE_THU, sunday), friday))
        .contains(
            new Window(
                Instant.parse("2026-11-29T06:00:00Z"), Instant.parse("2026-11-29T08:00:00Z")));
    assertThat(RecurringWindow.nextOf(List.of(), friday)).isEmpty();
  }

  @Test
  void aBadSpecNamesEveryProblem() {
    assertThatThrownBy(() -> RecurringWindow.parse("Tue,Thr 22:00-25:00 Europe/Berlinn"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Thr' is not a day")
        .hasMessageContaining("'25:00' is not a time of day")
        .hasMessageContaining("'Europe/Berlinn' is not a time zone");
    assertThatThrownBy(() -> RecurringWindow.parse("Tue 22:00"))
        .hasMessageContaining("write days, local start-end and a zone");
    assertThatThrownBy(() -> RecurringWindow.parse("Tue 22:00-22:00 UTC"))
        .hasMessageContaining("starts and ends at the same time");
  }
}
