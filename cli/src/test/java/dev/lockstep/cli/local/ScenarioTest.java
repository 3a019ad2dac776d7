package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wiring of the {@code window-closes} and {@code retry} scenarios: their names, how they must
 * end, and that {@code --exit} counts them as ended as expected only when their upgrade published
 * the events they are about, in order.
 */
class ScenarioTest {
  private static final String PLATFORM = "dataos-local";
  private static final String UPGRADE = "up-1";
  private static final Instant T0 = Instant.parse("2026-12-06T21:59:50Z");

  private static EventEnvelope event(EventPayload data) {
    return EventEnvelope.create(
        EventCatalog.standard(), "executor", PLATFORM, UPGRADE, data, null, Clock.systemUTC());
  }

  private static final EventPayload CLOSED = new UpgradeWindowClosed(UPGRADE, PLATFORM, 3, T0);
  private static final EventPayload RESCHEDULED =
      new UpgradeRescheduled(UPGRADE, PLATFORM, new Window(T0.plusSeconds(20), null));
  private static final EventPayload COMPLETED = new UpgradeCompleted(UPGRADE, PLATFORM, List.of());

  /** What the scenario still misses after its upgrade published {@code events}. */
  private static List<String> missing(Scenario scenario, EventPayload... events) {
    try (ScenarioRun run = new ScenarioRun(scenario, PLATFORM, null, null)) {
      run.started(UPGRADE);
      for (EventPayload data : events) {
        run.seen(event(data));
      }
      return run.missingEvents();
    }
  }

  @Test
  void theNewScenariosAreNamedAndCompleteWhenTheyGoAsThePlanSays() {
    assertThat(Scenario.parseAll("window-closes,retry"))
        .containsExactly(Scenario.WINDOW_CLOSES, Scenario.RETRY);
    assertThat(Scenario.WINDOW_CLOSES.expectedStatus()).isEqualTo("completed");
    assertThat(Scenario.RETRY.expectedStatus()).isEqualTo("completed");
    assertThat(Scenario.RETRY.variant()).isEqualTo("scenario-retry.yaml");
    assertThat(Scenario.names()).contains("window-closes", "retry");
  }

  @Test
  void windowClosesCountsOnlyWithTheWindowClosedThenTheReschedule() {
    assertThat(missing(Scenario.WINDOW_CLOSES, COMPLETED))
        .containsExactly("upgrade.window-closed", "upgrade.rescheduled");
    assertThat(missing(Scenario.WINDOW_CLOSES, RESCHEDULED, CLOSED, COMPLETED))
        .containsExactly("upgrade.rescheduled");
    assertThat(missing(Scenario.WINDOW_CLOSES, CLOSED, RESCHEDULED, COMPLETED)).isEmpty();
  }

  @Test
  void retryCountsOnlyWithARetriedStep() {
    StepRetried retried = EventNarratorTest.retried();
    assertThat(missing(Scenario.RETRY, COMPLETED)).containsExactly("step.retried");
    assertThat(missing(Scenario.RETRY, retried, COMPLETED)).isEmpty();
    assertThat(missing(Scenario.HAPPY, COMPLETED)).isEmpty();
  }

  @Test
  void thePlatformsRecurringWindowIsADailySpecToTheSecondInUtc() {
    assertThat(
            ScenarioRun.dailyWindow(Instant.parse("2026-12-06T23:30:05.750Z"), Duration.ofHours(1)))
        .isEqualTo("daily 23:30:05-00:30:05 UTC");
  }
}
