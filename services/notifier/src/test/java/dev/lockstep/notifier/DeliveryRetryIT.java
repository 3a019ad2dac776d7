package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.notifier.delivery.DeliveryLog;
import dev.lockstep.notifier.delivery.DeliveryRecord;
import dev.lockstep.notifier.delivery.DeliveryState;
import dev.lockstep.runtime.kafka.EventPublisher;
import io.micronaut.context.ApplicationContext;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retries with backoff end in exactly one delivery; a channel that never answers ends in {@code
 * notification.failed} while the others deliver; a duplicated event delivers once.
 */
class DeliveryRetryIT {
  private static TestingReceiver flaky;
  private static TestingReceiver broken;
  private static TestingReceiver steady;
  private static ApplicationContext context;
  private static final String FLAKY_PLATFORM = TestingNotifier.unique("flaky");
  private static final String DUPLICATE_PLATFORM = TestingNotifier.unique("dup");

  @BeforeAll
  static void start() throws Exception {
    flaky = new TestingReceiver();
    broken = new TestingReceiver();
    steady = new TestingReceiver();
    broken.failAlways(true);
    String yaml =
        """
        channels:
          - { name: flaky-hook, type: webhook, secretRefs: { url: FLAKY_URL } }
          - { name: broken-hook, type: webhook, secretRefs: { url: BROKEN_URL } }
          - { name: steady-hook, type: webhook, secretRefs: { url: STEADY_URL } }
        subscriptions:
          - team: operators
            filter: { platforms: [%s] }
            channels: [flaky-hook, broken-hook, steady-hook]
          - { team: operators, filter: { platforms: [%s] }, channels: [steady-hook] }
        """
            .formatted(FLAKY_PLATFORM, DUPLICATE_PLATFORM);
    context =
        TestingNotifier.start(
            TestingNotifier.database("notifier_retry"),
            TestingNotifier.unique("notifier-retry"),
            TestingNotifier.subscriptions(yaml),
            Map.of(
                "lockstep.notifier.secrets.FLAKY_URL", flaky.url() + "/flaky",
                "lockstep.notifier.secrets.BROKEN_URL", broken.url() + "/broken",
                "lockstep.notifier.secrets.STEADY_URL", steady.url() + "/steady"));
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    List.of(flaky, broken, steady).forEach(TestingReceiver::close);
  }

  @Test
  void aChannelThatFailsThreeTimesDeliversOnceAndABrokenOneFailsWithoutHoldingUpTheOthers()
      throws Exception {
    flaky.failNext(3);
    String upgrade = TestingNotifier.unique("u");
    EventEnvelope event =
        TestingNotifier.publish(context, FLAKY_PLATFORM, upgrade, started(upgrade, FLAKY_PLATFORM));

    List<TestingNotifier.Outcome> outcomes = TestingNotifier.outcomes(FLAKY_PLATFORM, 3);

    assertThat(outcomes).hasSize(3);
    NotificationDelivered flakyOutcome = delivered(outcomes, "flaky-hook");
    assertThat(flakyOutcome.attempts()).isEqualTo(4);
    assertThat(flakyOutcome.sourceEventId()).isEqualTo(event.id());
    assertThat(delivered(outcomes, "steady-hook").attempts()).isEqualTo(1);
    NotificationFailed failed =
        outcomes.stream()
            .map(o -> o.event().data())
            .filter(NotificationFailed.class::isInstance)
            .map(NotificationFailed.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(failed.channel().name()).isEqualTo("broken-hook");
    assertThat(failed.attempts()).isEqualTo(4);
    assertThat(failed.reason()).contains("HTTP 503").doesNotContain(broken.url());
    assertThat(outcomes.get(0).event().data())
        .as("the steady channel was told before the broken one gave up")
        .isInstanceOf(NotificationDelivered.class);

    List<TestingReceiver.Request> flakyRequests = flaky.requests();
    assertThat(flakyRequests)
        .extracting(TestingReceiver.Request::status)
        .containsExactly(503, 503, 503, 200);
    assertThat(flakyRequests.stream().map(r -> r.headers().get("idempotency-key")).distinct())
        .hasSize(1);
    assertThat(broken.requests()).hasSize(4);
    assertThat(steady.requests(r -> r.path().equals("/steady") && r.body().contains(event.id())))
        .hasSize(1);
  }

  @Test
  void aDuplicatedEventDeliversOnce() throws Exception {
    String upgrade = TestingNotifier.unique("u");
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "executor",
            DUPLICATE_PLATFORM,
            upgrade,
            started(upgrade, DUPLICATE_PLATFORM),
            null,
            context.getBean(Clock.class));
    EventPublisher publisher = context.getBean(EventPublisher.class);
    publisher.publishAndWait(event);
    publisher.publishAndWait(event);
    String later = TestingNotifier.unique("u");
    EventEnvelope marker =
        TestingNotifier.publish(
            context, DUPLICATE_PLATFORM, later, started(later, DUPLICATE_PLATFORM));

    // Events of a platform are handled in order: once the later one is delivered, both copies
    // of the duplicate have been handled.
    steady.await(r -> r.body().contains(marker.id()), 1);

    assertThat(steady.requests(r -> noticeId(r).equals(event.id()))).hasSize(1);
    List<DeliveryRecord> log =
        context.getBean(DeliveryLog.class).ofNotice(event.id()).stream()
            .filter(r -> !DeliveryLog.FEED.equals(r.channelType()))
            .toList();
    assertThat(log)
        .singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
  }

  private static EventPayload started(String upgrade, String platform) {
    return new UpgradeStarted(upgrade, platform, PlanMode.UPGRADE, null, 1, 1);
  }

  private static NotificationDelivered delivered(
      List<TestingNotifier.Outcome> outcomes, String channel) {
    return outcomes.stream()
        .map(o -> o.event().data())
        .filter(NotificationDelivered.class::isInstance)
        .map(NotificationDelivered.class::cast)
        .filter(d -> d.channel().name().equals(channel))
        .findFirst()
        .orElseThrow();
  }

  static String noticeId(TestingReceiver.Request request) {
    try {
      JsonNode body = Json.mapper().readTree(request.body());
      return body.at("/notice/id").asText();
    } catch (Exception e) {
      return "";
    }
  }
}
