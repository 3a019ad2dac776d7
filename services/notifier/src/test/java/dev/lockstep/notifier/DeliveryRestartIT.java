package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeStarted;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A restart neither loses a pending delivery nor repeats an acknowledged one, even when the new
 * process reads the same event again.
 */
class DeliveryRestartIT {
  private static final String PLATFORM = TestingNotifier.unique("restart");
  private static final TestingReceiver receiver = newReceiver();

  private static TestingReceiver newReceiver() {
    try {
      return new TestingReceiver();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    receiver.close();
  }

  @Test
  void aPendingDeliveryResumesAfterARestartAndADeliveredOneIsNeverSentAgain() throws Exception {
    String database = TestingNotifier.database("notifier_restart");
    Path subscriptions =
        TestingNotifier.subscriptions(
            """
            channels:
              - { name: hook, type: webhook, secretRefs: { url: HOOK_URL } }
            subscriptions:
              - { team: operators, filter: { platforms: [%s] }, channels: [hook] }
            """
                .formatted(PLATFORM));
    Map<String, Object> settings =
        Map.of(
            "lockstep.notifier.secrets.HOOK_URL",
            receiver.url() + "/hook",
            "lockstep.notifier.retry.max-attempts",
            1000,
            "lockstep.notifier.retry.initial",
            "50ms");
    String upgrade = TestingNotifier.unique("u");
    receiver.failAlways(true);

    EventEnvelope event;
    ApplicationContext first =
        TestingNotifier.start(
            database, TestingNotifier.unique("notifier-a"), subscriptions, settings);
    try {
      event =
          TestingNotifier.publish(
              first,
              PLATFORM,
              upgrade,
              new UpgradeStarted(upgrade, PLATFORM, PlanMode.UPGRADE, null, 1, 1));
      receiver.await(r -> DeliveryRetryIT.noticeId(r).equals(event.id()), 2);
    } finally {
      first.close();
    }

    // The receiver recovers; a new process (another consumer group: it reads the event again)
    // finishes the pending delivery from the log.
    receiver.failAlways(false);
    ApplicationContext second =
        TestingNotifier.start(
            database, TestingNotifier.unique("notifier-b"), subscriptions, settings);
    try {
      receiver.await(r -> r.status() == 200 && DeliveryRetryIT.noticeId(r).equals(event.id()), 1);
    } finally {
      second.close();
    }

    // A third process reads the event once more; a later event proves it has caught up.
    String markerId;
    ApplicationContext third =
        TestingNotifier.start(
            database, TestingNotifier.unique("notifier-c"), subscriptions, settings);
    try {
      String later = TestingNotifier.unique("u");
      EventEnvelope marker =
          TestingNotifier.publish(
              third,
              PLATFORM,
              later,
              new UpgradeStarted(later, PLATFORM, PlanMode.UPGRADE, null, 1, 1));
      receiver.await(r -> r.status() == 200 && DeliveryRetryIT.noticeId(r).equals(marker.id()), 1);
      markerId = marker.id();
    } finally {
      third.close();
    }

    assertThat(
            receiver.requests(
                r -> r.status() == 200 && DeliveryRetryIT.noticeId(r).equals(event.id())))
        .as("delivered exactly once across three processes")
        .hasSize(1);
    List<TestingNotifier.Outcome> outcomes = TestingNotifier.outcomes(PLATFORM, 2);
    assertThat(outcomes)
        .extracting(o -> ((NotificationDelivered) o.event().data()).sourceEventId())
        .as("one outcome per delivery, in order")
        .containsExactly(event.id(), markerId);
    assertThat(((NotificationDelivered) outcomes.get(0).event().data()).attempts())
        .isGreaterThan(2);
  }
}
