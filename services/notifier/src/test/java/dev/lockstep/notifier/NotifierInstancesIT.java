package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.notifier.delivery.DeliveryLog;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Notifier instances in one consumer group share the deliveries: a notice goes to each channel
 * once, not once per instance; and while the stream goes on, an instance joining and one leaving
 * lose nothing and repeat nothing but what at-least-once allows, a send cut off as its instance
 * stopped, with the same delivery id (the receiver's {@code Idempotency-Key}). A team's live feed
 * (SSE) on one instance carries the entries every instance records.
 */
class NotifierInstancesIT {
  private static final String SMTP_PASSWORD = "smtp-password-value";
  private static final int PLATFORMS = 4;
  private static final int PARTITIONS = KafkaBroker.SHARED_TOPIC_PARTITIONS;
  private static final int DELIVERY_THREADS = 4;

  @RegisterExtension
  static GreenMailExtension mail =
      new GreenMailExtension(ServerSetupTest.SMTP)
          .withConfiguration(
              GreenMailConfiguration.aConfig()
                  .withUser("ops@example.com", "lockstep", SMTP_PASSWORD))
          .withPerMethodLifecycle(false);

  @Test
  void instancesShareDeliveriesAndARebalanceMidStreamLosesAndRepeatsNothing() throws Exception {
    String prefix = TestingNotifier.unique("inst");
    String database = TestingNotifier.database("notifier_instances");
    String group = TestingNotifier.unique("notifier-instances");
    Path subscriptions =
        TestingNotifier.subscriptions(
            """
            channels:
              - { name: hook, type: webhook, secretRefs: { url: HOOK_URL } }
              - name: mail
                type: email
                settings: { host: 127.0.0.1, port: "%d", starttls: "false", username: lockstep,
                            from: lockstep@example.com, to: ops@example.com }
                secretRefs: { password: SMTP_PASSWORD }
            subscriptions:
              - { team: operators, filter: { platforms: ["%s*"] }, channels: [hook, mail] }
            """
                .formatted(ServerSetupTest.SMTP.getPort(), prefix));
    List<EventEnvelope> published = new ArrayList<>();
    try (TestingReceiver hook = new TestingReceiver()) {
      Map<String, Object> settings = new HashMap<>();
      settings.put("lockstep.notifier.secrets.HOOK_URL", hook.url() + "/hook");
      settings.put("lockstep.notifier.secrets.SMTP_PASSWORD", SMTP_PASSWORD);
      settings.put("lockstep.notifier.delivery-threads", DELIVERY_THREADS);
      // The sweep that takes over what a stopped instance left (an outcome event not yet out).
      settings.put("lockstep.notifier.advance.poll-interval", "1s");
      ApplicationContext a = TestingNotifier.start(database, group, subscriptions, settings);
      ApplicationContext b = TestingNotifier.start(database, group, subscriptions, settings);
      ApplicationContext c = null;
      // From the feed's start (a fresh database): the answer's headers come with the first entry,
      // and the entries after it arrive live, whichever instance recorded them.
      TestingApi api = new TestingApi(a);
      CompletableFuture<TeamFeedIT.SseReader> opening =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new TeamFeedIT.SseReader(api, "/api/v1/feeds/operators/stream", "0");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      TeamFeedIT.SseReader stream = null;
      try {
        for (int i = 0; i < 8; i++) {
          published.add(started(a, prefix, i));
        }
        awaitAll(hook, published);
        stream = opening.get(30, TimeUnit.SECONDS);
        assertThat(received(hook))
            .as("two instances: every notice once on the webhook")
            .containsExactlyInAnyOrderElementsOf(expected(published, "hook"));
        assertThat(mails())
            .as("two instances: every notice once by e-mail")
            .containsExactlyInAnyOrderElementsOf(expected(published, "mail"));

        ApplicationContext publisher = a;
        CompletableFuture<List<EventEnvelope>> more =
            CompletableFuture.supplyAsync(
                () -> {
                  List<EventEnvelope> sent = new ArrayList<>();
                  for (int i = 8; i < 40; i++) {
                    sent.add(started(publisher, prefix, i));
                    pause(60);
                  }
                  return sent;
                });
        c = TestingNotifier.start(database, group, subscriptions, settings);
        b.close();
        published.addAll(more.get(60, TimeUnit.SECONDS));
        awaitAll(hook, published);

        for (String channel : List.of("hook", "mail")) {
          List<String> got = channel.equals("hook") ? received(hook) : mails();
          assertThat(Set.copyOf(got))
              .as("every notice on %s, none lost, after an instance joined and one left", channel)
              .isEqualTo(Set.copyOf(expected(published, channel)));
          assertThat(got.size() - published.size())
              .as("repeats on %s: at most the sends cut off as an instance stopped", channel)
              .isLessThanOrEqualTo(DELIVERY_THREADS);
        }
        List<TeamFeedIT.Sse> live = new ArrayList<>();
        for (int i = 0; i < published.size(); i++) {
          live.add(stream.next());
        }
        assertThat(live)
            .as("the live feed on one instance: the entries every instance recorded, in id order")
            .extracting(TeamFeedIT.Sse::noticeId)
            .containsExactlyInAnyOrderElementsOf(
                published.stream().map(EventEnvelope::id).toList());
        assertThat(live.stream().map(e -> Long.parseLong(e.id())).toList()).isSorted();
        for (int p = 0; p < PLATFORMS; p++) {
          String platform = platform(prefix, p);
          long deliveries =
              2 * published.stream().filter(e -> e.platform().equals(platform)).count();
          List<TestingNotifier.Outcome> outcomes =
              TestingNotifier.outcomes(platform, (int) deliveries);
          Map<String, List<TestingNotifier.Outcome>> byId =
              outcomes.stream().collect(Collectors.groupingBy(o -> o.event().id()));
          assertThat(byId.values())
              .as("one notification.delivered per delivery of %s, by id", platform)
              .hasSize((int) deliveries)
              .allSatisfy(
                  same ->
                      assertThat(same.get(0).event().data())
                          .isInstanceOf(NotificationDelivered.class));
        }
      } finally {
        if (stream != null) {
          stream.close();
        }
        opening.cancel(true);
        if (c != null) {
          c.close();
        }
        b.close();
        a.close();
      }
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The platform of the n-th event: {@value #PLATFORMS} platforms whose Kafka keys fall on every
   * partition, so that every instance records some of the notices.
   */
  static String platform(String prefix, int n) {
    int p = n % PLATFORMS;
    for (int k = 0; ; k++) {
      String name = prefix + "-" + p + "x" + k;
      int partition =
          Utils.toPositive(Utils.murmur2(name.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      if (partition == p % PARTITIONS) {
        return name;
      }
    }
  }

  private static EventEnvelope started(ApplicationContext context, String prefix, int n) {
    String platform = platform(prefix, n);
    String upgrade = TestingNotifier.unique("u");
    return TestingNotifier.publish(
        context,
        platform,
        upgrade,
        new UpgradeStarted(upgrade, platform, PlanMode.UPGRADE, null, 1, 1));
  }

  /** Waits until every event's delivery reached both channels at least once. */
  private static void awaitAll(TestingReceiver hook, List<EventEnvelope> events)
      throws InterruptedException {
    Set<String> hooks = Set.copyOf(expected(events, "hook"));
    Set<String> mailed = Set.copyOf(expected(events, "mail"));
    Poll.until(
        () ->
            Set.copyOf(received(hook)).containsAll(hooks)
                && Set.copyOf(mails()).containsAll(mailed),
        done -> done,
        Duration.ofSeconds(45));
  }

  /** The delivery ids of the events' notices to the operators on a channel. */
  private static List<String> expected(List<EventEnvelope> events, String channel) {
    return events.stream().map(e -> DeliveryLog.deliveryId(e.id(), "operators", channel)).toList();
  }

  /** The delivery ids the webhook received and answered 200, one per request. */
  private static List<String> received(TestingReceiver hook) {
    return hook.requests(r -> r.status() == 200).stream()
        .map(r -> r.headers().get("idempotency-key"))
        .toList();
  }

  /** The delivery ids of the e-mails received, one per message. */
  private static List<String> mails() {
    return Arrays.stream(mail.getReceivedMessages()).map(header("X-Lockstep-Delivery")).toList();
  }

  private static Function<MimeMessage, String> header(String name) {
    return message -> {
      try {
        String[] values = message.getHeader(name);
        return values == null ? "" : values[0];
      } catch (MessagingException e) {
        throw new IllegalStateException(e);
      }
    };
  }
}
