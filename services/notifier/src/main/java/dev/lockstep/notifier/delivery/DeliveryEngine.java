package dev.lockstep.notifier.delivery;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.EventType;
import dev.lockstep.events.v1.ChannelRef;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.notifier.channel.ChannelSender;
import dev.lockstep.notifier.channel.DeliveryException;
import dev.lockstep.notifier.channel.Outgoing;
import dev.lockstep.notifier.subscription.ChannelConfig;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attempts the deliveries of the log on a scheduler of its own, never on the consumer's thread:
 * each delivery independently (a failing or slow channel holds up no other), retried with capped
 * exponential backoff, and ended with {@code notification.delivered} or {@code
 * notification.failed}. A feed entry is recorded delivered, so its step is the outcome event only.
 * Every step is recorded before the next is taken: the attempt's outcome, then the outcome event,
 * then the mark that the event is out; {@link #resume()} picks up whatever a stopped process left.
 * Each outcome event published counts in {@code
 * lockstep_notifications_total{channel_type,outcome}}.
 */
public final class DeliveryEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

  private final DeliveryLog log;
  private final Map<String, ChannelSender> senders;
  private final Function<String, Optional<ChannelConfig>> channels;
  private final Backoff backoff;
  private final EventPublisher publisher;
  private final EventCatalog catalog;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final MeterRegistry meters;
  private final EventTracing tracing;
  private final Set<String> scheduled = ConcurrentHashMap.newKeySet();

  /** How long a stopping engine lets the steps already running finish. */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /**
   * @param channels the channel configuration by name, as it is now
   */
  public DeliveryEngine(
      DeliveryLog log,
      Map<String, ChannelSender> senders,
      Function<String, Optional<ChannelConfig>> channels,
      Backoff backoff,
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      ScheduledExecutorService scheduler,
      MeterRegistry meters,
      EventTracing tracing) {
    this.meters = meters;
    this.tracing = tracing;
    this.log = log;
    this.senders = Map.copyOf(senders);
    this.channels = channels;
    this.backoff = backoff;
    this.publisher = publisher;
    this.catalog = catalog;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** Schedules the first attempt of a recorded delivery now. */
  public void start(String deliveryId) {
    schedule(deliveryId, Duration.ZERO, 0);
  }

  /**
   * Schedules everything the log holds unfinished: pending attempts at their time and unpublished
   * outcomes now. Called at start, and periodically to take over what a stopped process left.
   */
  public void resume() {
    Instant now = clock.instant();
    for (DeliveryRecord record : log.unfinished()) {
      Duration wait = Duration.between(now, record.nextAttemptAt());
      schedule(record.id(), wait.isNegative() ? Duration.ZERO : wait, record.attempts());
    }
  }

  private void schedule(String id, Duration delay, int expectedAttempts) {
    if (!scheduled.add(id)) {
      return;
    }
    try {
      scheduler.schedule(() -> run(id, expectedAttempts), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      scheduled.remove(id);
      LOG.debug("delivery {} not scheduled: the notifier is stopping", id);
    }
  }

  private void run(String id, int expectedAttempts) {
    scheduled.remove(id);
    try {
      attempt(id, expectedAttempts).ifPresent(next -> schedule(id, next.pause(), next.attempts()));
    } catch (RuntimeException e) {
      // The log or Kafka is unavailable: the row is unchanged, so try again later.
      LOG.warn("delivery {}: {}; retrying", id, e.getMessage());
      schedule(id, backoff.max(), expectedAttempts);
    }
  }

  /**
   * A retry to schedule once the attempt is committed.
   *
   * @param pause how long to wait
   * @param attempts the attempts made so far
   */
  record Retry(Duration pause, int attempts) {}

  /**
   * One step for a delivery: under its row lock, an attempt when it is pending (and no other
   * process attempted it since it was scheduled), committed; then, under the lock again, its
   * outcome event once it is finished. Returns the retry to schedule, if any.
   */
  Optional<Retry> attempt(String id, int expectedAttempts) {
    Optional<Retry> retry =
        log.whileLocked(
            id,
            (record, writer) -> {
              if (record.state() != DeliveryState.PENDING
                  || record.attempts() != expectedAttempts) {
                return null;
              }
              DeliveryRecord after;
              try (EventTracing.Handling span = notifying(record)) {
                after = tryOnce(record, writer);
                span.attribute("lockstep.delivery.state", after.state().name().toLowerCase());
              }
              return after.state() == DeliveryState.PENDING
                  ? new Retry(backoff.pauseAfter(after.attempts()), after.attempts())
                  : null;
            });
    if (retry.isPresent()) {
      return retry;
    }
    log.whileLocked(
        id,
        (record, writer) -> {
          if (record.state() != DeliveryState.PENDING && !record.outcomePublished()) {
            if (DeliveryLog.FEED.equals(record.channelType())) {
              // a feed entry is delivered once recorded: its outcome event is the delivery
              try (EventTracing.Handling span = notifying(record)) {
                publishOutcome(record);
              }
            } else {
              publishOutcome(record);
            }
            writer.published(record.id());
          }
          return null;
        });
    return Optional.empty();
  }

  /**
   * The span of a delivery's attempt, {@code notify <channel type>}, in the trace of the event the
   * notice tells of; current until closed. Names the team and channel, never their settings.
   */
  private EventTracing.Handling notifying(DeliveryRecord record) {
    var notice = record.notice();
    return EventTracing.current(
            tracing.open(
                "notify " + record.channelType(), tracing.contextOf(notice.traceparent()), null))
        .attribute("lockstep.platform", notice.platform())
        .attribute("lockstep.upgrade.id", notice.upgradeId())
        .attribute("lockstep.notice.type", notice.type())
        .attribute("lockstep.team", record.team())
        .attribute("lockstep.channel", record.channel())
        .attribute("lockstep.attempt", record.attempts() + 1L);
  }

  private DeliveryRecord tryOnce(DeliveryRecord record, DeliveryLog.Writer writer)
      throws java.sql.SQLException {
    int attempts = record.attempts() + 1;
    Optional<ChannelConfig> channel = channels.apply(record.channel());
    ChannelSender sender = senders.get(record.channelType());
    String error;
    boolean retry = true;
    if (channel.isEmpty() || sender == null || !channel.get().type().equals(record.channelType())) {
      error = "channel " + record.channel() + " is no longer configured";
      retry = false;
    } else {
      try {
        sender.send(
            new Outgoing(
                record.id(),
                record.team(),
                channel.get(),
                record.notice(),
                record.subject(),
                record.body()));
        Instant now = clock.instant();
        writer.attempt(record.id(), DeliveryState.DELIVERED, attempts, null, now, now);
        LOG.info(
            "delivered {} to {} on {} after {} attempt(s)",
            record.notice().id(),
            record.team(),
            record.channel(),
            attempts);
        return withState(record, DeliveryState.DELIVERED, attempts, null);
      } catch (DeliveryException e) {
        error = e.getMessage();
      } catch (RuntimeException e) {
        error = "channel " + record.channel() + " failed: " + e.getClass().getSimpleName();
      }
    }
    Instant now = clock.instant();
    if (!retry || backoff.exhausted(attempts)) {
      writer.attempt(record.id(), DeliveryState.FAILED, attempts, error, now, now);
      LOG.warn(
          "gave up delivering {} to {} on {} after {} attempt(s): {}",
          record.notice().id(),
          record.team(),
          record.channel(),
          attempts,
          error);
      return withState(record, DeliveryState.FAILED, attempts, error);
    }
    Duration pause = backoff.pauseAfter(attempts);
    writer.attempt(record.id(), DeliveryState.PENDING, attempts, error, now.plus(pause), now);
    LOG.info(
        "attempt {} of {} to {} on {} failed ({}); next in {}",
        attempts,
        record.notice().id(),
        record.team(),
        record.channel(),
        error,
        pause);
    return withState(record, DeliveryState.PENDING, attempts, error);
  }

  private void publishOutcome(DeliveryRecord record) {
    // A feed is named by its team: the row's channel column is blank.
    boolean feed = DeliveryLog.FEED.equals(record.channelType());
    ChannelRef ref = new ChannelRef(record.channelType(), feed ? record.team() : record.channel());
    var notice = record.notice();
    EventPayload payload =
        record.state() == DeliveryState.DELIVERED
            ? new NotificationDelivered(
                notice.id(), notice.upgradeId(), record.team(), ref, record.attempts())
            : new NotificationFailed(
                notice.id(),
                notice.upgradeId(),
                record.team(),
                ref,
                record.attempts(),
                record.lastError() == null ? "unknown" : record.lastError());
    EventType type = catalog.typeOf(payload.getClass());
    boolean fromEvent = !notice.id().startsWith("advance:");
    // The id names the delivery and its outcome: published again (a crash after Kafka's ack,
    // before the row says so, or another instance finishing the step), it is the same event.
    publisher.publishAndWait(
        new EventEnvelope(
            EventEnvelope.derivedId("notifier", record.id(), type.name()),
            EventEnvelope.sourceOf("notifier"),
            type.name(),
            type.version(),
            notice.upgradeId(),
            clock.instant(),
            notice.platform(),
            fromEvent ? notice.id() : null,
            notice.traceparent(),
            payload));
    Counter.builder("lockstep.notifications")
        .description("notification deliveries ended, by channel type and outcome")
        .tags(
            "channel_type",
            record.channelType(),
            "outcome",
            record.state() == DeliveryState.DELIVERED ? "delivered" : "failed")
        .register(meters)
        .increment();
  }

  private static DeliveryRecord withState(
      DeliveryRecord r, DeliveryState state, int attempts, String error) {
    return new DeliveryRecord(
        r.id(),
        r.team(),
        r.channel(),
        r.channelType(),
        state,
        attempts,
        r.nextAttemptAt(),
        error,
        r.notice(),
        r.subject(),
        r.body(),
        r.outcomePublished());
  }

  /**
   * Stops: starts nothing new, lets the steps already running finish for up to {@link #STOP_GRACE}
   * (an attempt and its outcome event), then interrupts them. What is left unfinished stays in the
   * log for another instance's sweep.
   */
  @Override
  public void close() {
    if (scheduler instanceof ScheduledThreadPoolExecutor pool) {
      pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
