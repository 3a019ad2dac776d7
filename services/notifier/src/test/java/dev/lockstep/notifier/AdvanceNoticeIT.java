package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.notifier.advance.AdvanceNotices;
import dev.lockstep.notifier.message.NoticeFactory;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Advance notices fire at their lead times before the window, by the injected clock, once each; a
 * cancelled upgrade's pending notices never fire and its consumers are told it is cancelled.
 */
class AdvanceNoticeIT {
  private static final String PLATFORM = TestingNotifier.unique("advance");
  private static TestingReceiver receiver;
  private static ApplicationContext context;
  private static TestingClock clock;
  private static AdvanceNotices notices;

  @BeforeAll
  static void start() throws Exception {
    receiver = new TestingReceiver();
    String yaml =
        """
        channels:
          - { name: hook, type: webhook, secretRefs: { url: HOOK_URL } }
        subscriptions:
          - team: consumers
            filter: { platforms: [%s], eventTypes: [upgrade.upcoming, upgrade.cancelled] }
            channels: [hook]
        """
            .formatted(PLATFORM);
    context =
        TestingNotifier.start(
            TestingNotifier.database("notifier_advance"),
            TestingNotifier.unique("notifier-advance"),
            TestingNotifier.subscriptions(yaml),
            Map.of(
                "lockstep.notifier.secrets.HOOK_URL",
                receiver.url() + "/hook",
                "lockstep.notifier.testing-clock",
                "true",
                // Lead times within the hour: Kafka refuses records stamped more than an hour
                // ahead, and what is published here carries the moved clock's time.
                "lockstep.notifier.advance.lead-times",
                "30m,5m"));
    clock = context.getBean(TestingClock.class);
    notices = context.getBean(AdvanceNotices.class);
  }

  @BeforeEach
  void backToNow() {
    clock.set(Instant.now());
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    receiver.close();
  }

  @Test
  void theFirstNoticeFiresAtItsLeadTimeOnceWithDowntimeAndReleaseNotes() throws Exception {
    Instant opens = clock.instant().plus(Duration.ofMinutes(40));
    String upgrade = TestingNotifier.unique("u");
    TestingNotifier.publish(
        context,
        PLATFORM,
        upgrade,
        new PlanCreated(TestingNotifier.plan(PLATFORM, upgrade, opens), "alice", null));
    String first = NoticeFactory.advanceId(upgrade, Duration.ofMinutes(30));
    Poll.until(() -> notices.state(first), s -> s.isPresent(), Duration.ofSeconds(30));

    clock.set(opens.minus(Duration.ofMinutes(30)).minusSeconds(1));
    assertThat(notices.fireDue()).as("a second early").isZero();
    assertThat(notices.state(first)).contains("PENDING");

    clock.set(opens.minus(Duration.ofMinutes(30)));
    assertThat(notices.fireDue()).isEqualTo(1);
    assertThat(notices.fireDue()).as("once only").isZero();

    TestingReceiver.Request request =
        receiver.await(r -> DeliveryRetryIT.noticeId(r).equals(first), 1).get(0);
    JsonNode body = Json.mapper().readTree(request.body());
    assertThat(body.get("subject").asText())
        .isEqualTo("[" + PLATFORM + "] Upcoming upgrade to 2.4.0 in 30 minutes");
    assertThat(body.get("text").asText())
        .contains(
            "Expected downtime: 2 minutes",
            "Faster metadata sync",
            "metis (core-kernel): 2.3.1 -> 2.4.0");
    assertThat(notices.state(NoticeFactory.advanceId(upgrade, Duration.ofMinutes(5))))
        .contains("PENDING");
  }

  @Test
  void aCancelledUpgradeSendsACancellationAndNoLaterNotice() throws Exception {
    Instant opens = clock.instant().plus(Duration.ofMinutes(20));
    String upgrade = TestingNotifier.unique("u");
    TestingNotifier.publish(
        context,
        PLATFORM,
        upgrade,
        new PlanCreated(TestingNotifier.plan(PLATFORM, upgrade, opens), "alice", null));
    String lastCall = NoticeFactory.advanceId(upgrade, Duration.ofMinutes(5));
    Poll.until(() -> notices.state(lastCall), Optional::isPresent, Duration.ofSeconds(30));
    assertThat(notices.state(NoticeFactory.advanceId(upgrade, Duration.ofMinutes(30))))
        .as("already past when the plan arrived")
        .isEmpty();

    var cancelled =
        TestingNotifier.publish(
            context,
            PLATFORM,
            upgrade,
            new UpgradeCancelled(upgrade, PLATFORM, "bob", "vendor hotfix first", false));
    TestingReceiver.Request request =
        receiver.await(r -> DeliveryRetryIT.noticeId(r).equals(cancelled.id()), 1).get(0);
    assertThat(Json.mapper().readTree(request.body()).get("text").asText())
        .contains("is cancelled", "window of " + opens, "cancelled by bob: vendor hotfix first");
    assertThat(notices.state(lastCall)).contains("CANCELLED");

    clock.set(opens);
    assertThat(notices.fireDue()).isZero();
    assertThat(receiver.requests(r -> DeliveryRetryIT.noticeId(r).equals(lastCall))).isEmpty();
  }
}
