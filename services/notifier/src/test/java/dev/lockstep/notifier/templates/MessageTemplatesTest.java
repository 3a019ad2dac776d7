package dev.lockstep.notifier.templates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import dev.lockstep.notifier.TestingNotifier;
import dev.lockstep.notifier.channel.GrafanaSender;
import dev.lockstep.notifier.channel.Outgoing;
import dev.lockstep.notifier.channel.SlackSender;
import dev.lockstep.notifier.message.EventSeverity;
import dev.lockstep.notifier.message.Message;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.message.NoticeFactory;
import dev.lockstep.notifier.subscription.ChannelConfig;
import dev.lockstep.notifier.subscription.Severity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What people read: templates per event type with the plan's facts, and each channel's shape. */
class MessageTemplatesTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Instant WINDOW = Instant.parse("2026-11-21T22:00:00Z");
  private final NoticeFactory factory = new NoticeFactory("http://lockstep.example.com/");
  private final MessageTemplates templates = new MessageTemplates(null);
  private final Plan plan = TestingNotifier.plan("dataos-prod", "u-1", WINDOW);

  private EventEnvelope event(Object payload) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        "dataos-prod",
        "u-1",
        (dev.lockstep.events.EventPayload) payload,
        null,
        CLOCK);
  }

  @Test
  void aPlanNoticeShowsVersionsWindowDowntimeRiskNotesAndLinks() {
    Notice notice =
        factory.fromEvent(event(new PlanCreated(plan, "alice", "quarterly")), null, null).get();

    Message message = templates.render(notice);

    assertThat(message.subject())
        .isEqualTo("[dataos-prod] upgrade planned to 2.4.0, window opens 2026-11-21T22:00:00Z");
    assertThat(message.text())
        .contains("- postgres (cloud-kernel): 15.3.0 -> 15.4.0")
        .contains("- metis (core-kernel): 2.3.1 -> 2.4.0")
        .contains("Window: 2026-11-21T22:00:00Z to 2026-11-22T00:00:00Z")
        .contains("Expected downtime: 2 minutes")
        .contains("Risk: 42/100 (stateful change: postgres)")
        .contains("Faster metadata sync")
        .contains("upgrade: http://lockstep.example.com/api/v1/upgrades/u-1");
  }

  @Test
  void aFailureIsCriticalAndNamesItsReasonWithTheKnownPlanAndAPostMortemLink() {
    Notice notice =
        factory
            .fromEvent(
                event(
                    new UpgradeFailed(
                        "u-1",
                        "dataos-prod",
                        "gate error-rate failed",
                        null,
                        "g-1",
                        false,
                        List.of())),
                plan,
                null)
            .get();

    Message message = templates.render(notice);

    assertThat(notice.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(message.subject()).isEqualTo("[dataos-prod] FAILED: upgrade to 2.4.0");
    assertThat(message.text())
        .contains("Reason: gate error-rate failed")
        .contains("metis (core-kernel): 2.3.1 -> 2.4.0")
        .contains("postmortem: http://lockstep.example.com/api/v1/upgrades/u-1/postmortem");
  }

  @Test
  void telemetryMakesNoNoticeAndAGateFailureIsAWarning() {
    assertThat(EventSeverity.of("gate.measured")).isEmpty();
    assertThat(EventSeverity.of("inventory.observed")).isEmpty();
    assertThat(
            factory
                .fromEvent(
                    event(
                        new GateFailed(
                            "u-1", "g-1", "error-rate", "prometheus", "5% errors", List.of())),
                    null,
                    null)
                .get()
                .severity())
        .isEqualTo(Severity.WARNING);
  }

  @Test
  void aClosedWindowIsAWarningAndTheRescheduledNoticeShowsTheNewWindow() {
    Instant closed = WINDOW.plus(Duration.ofHours(2));
    Notice held =
        factory
            .fromEvent(event(new UpgradeWindowClosed("u-1", "dataos-prod", 1, closed)), plan, null)
            .get();
    assertThat(held.severity()).isEqualTo(Severity.WARNING);
    Message heldMessage = templates.render(held);
    assertThat(heldMessage.subject())
        .isEqualTo("[dataos-prod] Window closed: upgrade to 2.4.0 held");
    assertThat(heldMessage.text())
        .contains("starts no further wave")
        .contains("wave 1 was not started: the maintenance window closed at " + closed);

    Instant opens = WINDOW.plus(Duration.ofDays(2));
    Notice rescheduled =
        factory
            .fromEvent(
                event(
                    new UpgradeRescheduled(
                        "u-1", "dataos-prod", new Window(opens, opens.plus(Duration.ofHours(4))))),
                plan,
                null)
            .get();
    assertThat(rescheduled.severity()).isEqualTo(Severity.INFO);
    Message message = templates.render(rescheduled);
    assertThat(message.subject())
        .isEqualTo("[dataos-prod] Rescheduled: upgrade to 2.4.0, window opens " + opens);
    assertThat(message.text())
        .contains("Window: " + opens + " to " + opens.plus(Duration.ofHours(4)))
        .doesNotContain("Window: " + WINDOW);
  }

  @Test
  void anAdvanceNoticeSaysHowLongBeforeTheWindow() {
    Message message = templates.render(factory.advance(plan, Duration.ofHours(24), NOW));

    assertThat(message.subject()).isEqualTo("[dataos-prod] Upcoming upgrade to 2.4.0 in 1 day");
    assertThat(message.text())
        .contains("starts in 1 day (window opens 2026-11-21T22:00:00Z)")
        .contains("Expected downtime: 2 minutes")
        .contains("Release notes:");
  }

  @Test
  void slackGetsBlockKitWithAHeaderTheBodyAndTheVersionTable() {
    Notice notice =
        factory.fromEvent(event(new PlanCreated(plan, "alice", null)), null, null).get();
    Message message = templates.render(notice);
    Outgoing outgoing =
        new Outgoing(
            "d-1",
            "ops",
            new ChannelConfig("s", "slack", Map.of(), Map.of("url", "S")),
            notice,
            message.subject(),
            message.text());

    Map<String, Object> payload = SlackSender.payload(outgoing);

    assertThat(payload.get("text")).isEqualTo(message.subject());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> blocks = (List<Map<String, Object>>) payload.get("blocks");
    assertThat(blocks)
        .extracting(b -> b.get("type"))
        .containsExactly("header", "section", "section", "context");
    assertThat(blocks.get(2).get("fields").toString()).contains("*metis*", "2.3.1 → 2.4.0");
  }

  @Test
  void grafanaDrawsARegionFromStartToEnd() {
    Instant started = NOW.minus(Duration.ofMinutes(7));
    Notice end =
        factory
            .fromEvent(
                event(new dev.lockstep.events.v1.UpgradeCompleted("u-1", "dataos-prod", List.of())),
                plan,
                started)
            .get();
    Outgoing outgoing =
        new Outgoing(
            "d-1",
            "ops",
            new ChannelConfig("g", "grafana", Map.of("dashboardUid", "abc"), Map.of()),
            end,
            "s",
            "t");

    Map<String, Object> annotation = GrafanaSender.annotation(outgoing);

    assertThat(annotation)
        .containsEntry("time", started.toEpochMilli())
        .containsEntry("timeEnd", NOW.toEpochMilli())
        .containsEntry("dashboardUID", "abc");
  }
}
