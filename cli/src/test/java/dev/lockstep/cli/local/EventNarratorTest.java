package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lines the local mode prints for a closed window, a rescheduled upgrade, a retried step and
 * what the prober saw: what a person watching needs to know, at the event's local time.
 */
class EventNarratorTest {
  private static final Instant AT = Instant.parse("2026-12-06T22:00:05Z");
  private static final String UPGRADE = "up-1";
  private static final String PLATFORM = "dataos-local";

  private static String line(EventPayload data) {
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "executor",
            PLATFORM,
            UPGRADE,
            data,
            null,
            Clock.fixed(AT, ZoneOffset.UTC));
    return EventNarrator.narrate(event).orElseThrow();
  }

  private static String local(Instant instant) {
    return DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault()).format(instant);
  }

  @Test
  void aClosedWindowSaysWhenItClosedAndWhichWaveIsHeld() {
    Instant closed = Instant.parse("2026-12-06T22:00:00Z");
    assertThat(line(new UpgradeWindowClosed(UPGRADE, PLATFORM, 3, closed)))
        .isEqualTo(
            local(AT)
                + "  WINDOW    closed at "
                + local(closed)
                + ": wave 3 not started, the upgrade is held");
  }

  @Test
  void aRescheduledUpgradeSaysItsNewWindow() {
    Instant opens = Instant.parse("2026-12-06T22:00:40Z");
    Instant closes = Instant.parse("2026-12-06T23:00:40Z");
    assertThat(line(new UpgradeRescheduled(UPGRADE, PLATFORM, new Window(opens, closes))))
        .isEqualTo(
            local(AT)
                + "  rescheduled into the window "
                + local(opens)
                + " to "
                + local(closes)
                + "; it carries on then");
  }

  /** query-gateway's set-image of wave 3 failed its first attempt; the second of two comes. */
  static StepRetried retried() {
    return new StepRetried(
        UPGRADE,
        PLATFORM,
        "w3-query-gateway",
        3,
        "query-gateway",
        StepAction.SET_IMAGE,
        2,
        2,
        "rollout exceeded its progress deadline");
  }

  @Test
  void aRetriedStepSaysWhyAndWhichAttemptComes() {
    assertThat(line(retried()))
        .endsWith(
            "  retry   query-gateway: set-image failed (rollout exceeded its progress deadline);"
                + " attempt 2 of 2");
  }

  @Test
  void whatTheProberSawNamesTheComponentsThatWereUnavailable() {
    AvailabilityObserved observed =
        new AvailabilityObserved(
            UPGRADE,
            PLATFORM,
            "lockstep local",
            AT.minusSeconds(60),
            AT,
            List.of(
                new ComponentAvailability(
                    "metis", "http://x/core/metis/health", 120, 0, Duration.ZERO, Duration.ZERO),
                new ComponentAvailability(
                    "query-gateway",
                    "http://x/apps/query-gateway/health",
                    120,
                    6,
                    Duration.ofMillis(3048),
                    Duration.ofMillis(3048))));
    assertThat(line(observed))
        .isEqualTo(
            local(AT)
                + "  availability 240 probes of 2 components by lockstep local:"
                + " unavailable query-gateway 3.048 s");
    AvailabilityObserved clean =
        new AvailabilityObserved(
            UPGRADE, PLATFORM, "lockstep local", AT, AT, List.of(observed.components().get(0)));
    assertThat(line(clean)).endsWith(": always available");
  }
}
