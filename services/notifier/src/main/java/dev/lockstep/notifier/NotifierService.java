package dev.lockstep.notifier;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Topics;
import dev.lockstep.notifier.advance.AdvanceNotices;
import dev.lockstep.notifier.channel.ChannelPolicy;
import dev.lockstep.notifier.delivery.DeliveryEngine;
import dev.lockstep.notifier.feed.FeedFollower;
import dev.lockstep.notifier.intake.EventIntake;
import dev.lockstep.notifier.subscription.SubscriptionConfig;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumers;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the notifier at startup, in an order that loses nothing: subscriptions loaded, unfinished
 * deliveries resumed from the log, the poller started (advance notices, and deliveries another
 * process left), then the consumer of every topic but the notifier's own.
 */
@Singleton
public class NotifierService implements ApplicationEventListener<StartupEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(NotifierService.class);

  private final SubscriptionStore subscriptions;
  private final ChannelPolicy policy;
  private final DeliveryEngine engine;
  private final AdvanceNotices advance;
  private final EventIntake intake;
  private final EventConsumers consumers;
  private final FeedFollower feeds;
  private final Clock clock;
  private final String group;
  private final String subscriptionsFile;
  private final Duration advancePoll;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(NotifierFactory.named("notifier-advance"));

  public NotifierService(
      SubscriptionStore subscriptions,
      ChannelPolicy policy,
      DeliveryEngine engine,
      AdvanceNotices advance,
      EventIntake intake,
      EventConsumers consumers,
      FeedFollower feeds,
      Clock clock,
      @Value("${lockstep.notifier.group:notifier}") String group,
      @Value("${lockstep.notifier.subscriptions-file:}") String subscriptionsFile,
      @Value("${lockstep.notifier.advance.poll-interval:30s}") Duration advancePoll) {
    this.subscriptions = subscriptions;
    this.policy = policy;
    this.engine = engine;
    this.advance = advance;
    this.intake = intake;
    this.consumers = consumers;
    this.feeds = feeds;
    this.clock = clock;
    this.group = group;
    this.subscriptionsFile = subscriptionsFile;
    this.advancePoll = advancePoll;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    SubscriptionConfig loaded =
        subscriptions.load(
            subscriptionsFile.isBlank() ? null : Path.of(subscriptionsFile), clock.instant());
    // The seed and the stored document are the operator's: they load as they are, and the
    // senders refuse what the policy does not allow. Said here so that nobody has to guess.
    for (ErrorDetail problem : policy.check(loaded)) {
      LOG.warn(
          "subscriptions: {} {}: {}; this channel will not deliver",
          problem.code(),
          problem.path(),
          problem.message());
    }
    subscriptions.follow();
    feeds.follow();
    engine.resume();
    poller.scheduleWithFixedDelay(
        this::pollAdvanceNotices,
        advancePoll.toMillis(),
        advancePoll.toMillis(),
        TimeUnit.MILLISECONDS);
    List<String> topics =
        Topics.EVENT_TOPICS.stream().filter(t -> !t.equals(Topics.NOTIFICATIONS)).toList();
    consumers.start(ConsumerSpec.of(group, topics.toArray(String[]::new)), intake);
    LOG.info("notifier started: group {}, topics {}", group, topics);
  }

  private void pollAdvanceNotices() {
    try {
      advance.fireDue();
      // Takes over deliveries another (stopped) notifier process left unfinished.
      engine.resume();
    } catch (RuntimeException e) {
      LOG.warn("advance notices and deliveries not checked: {}", e.getMessage());
    }
  }

  /** Stops the poller. */
  @PreDestroy
  void stop() {
    poller.shutdownNow();
    subscriptions.close();
  }
}
