package dev.lockstep.notifier.intake;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.notifier.advance.AdvanceNotices;
import dev.lockstep.notifier.cdevents.CdEvents;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.message.NoticeFactory;
import dev.lockstep.notifier.store.Database;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import dev.lockstep.runtime.kafka.EventHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The notifier's event handler. In one transaction it keeps the plan (for later messages and
 * advance notices), records or cancels advance notices, and records the event's notice in the feeds
 * and the delivery log; only after the commit does delivery start. Idempotent by event id: every
 * row is keyed by it, so a redelivered event adds nothing. It ignores the notifier's own {@code
 * notification.*} events. With CDEvents configured, the same transaction records the event's
 * CDEvents in their outbox ({@link CdEvents}).
 */
public final class EventIntake implements EventHandler {
  private final Database database;
  private final PlanStore plans;
  private final AdvanceNotices advance;
  private final NoticeFactory notices;
  private final NoticeIntake intake;
  private final SubscriptionStore subscriptions;
  private final Clock clock;
  private final CdEvents cdEvents;

  public EventIntake(
      Database database,
      PlanStore plans,
      AdvanceNotices advance,
      NoticeFactory notices,
      NoticeIntake intake,
      SubscriptionStore subscriptions,
      Clock clock,
      CdEvents cdEvents) {
    this.database = database;
    this.plans = plans;
    this.advance = advance;
    this.notices = notices;
    this.intake = intake;
    this.subscriptions = subscriptions;
    this.clock = clock;
    this.cdEvents = cdEvents;
  }

  @Override
  public void handle(EventEnvelope event) {
    if (event.type().startsWith("dev.lockstep.notification.")) {
      return;
    }
    Instant now = clock.instant();
    boolean[] cdEventsRecorded = {false};
    NoticeIntake.Recorded recorded =
        database.inTransaction(
            connection -> {
              Plan plan = null;
              Instant startedAt = null;
              if (event.data() instanceof PlanCreated created) {
                plan = created.plan();
                plans.save(connection, plan, now);
                advance.schedule(connection, plan, now);
              } else if (event.subject() != null) {
                if (event.data() instanceof UpgradeStarted) {
                  plans.markStarted(connection, event.subject(), event.time());
                }
                if (event.data() instanceof UpgradeCancelled) {
                  advance.cancel(connection, event.subject(), now);
                }
                var stored = plans.find(connection, event.subject());
                if (stored.isPresent()) {
                  plan = stored.get().plan();
                  startedAt = stored.get().startedAt();
                }
              }
              cdEventsRecorded[0] = cdEvents.record(connection, event, plan, now);
              Optional<Notice> notice = notices.fromEvent(event, plan, startedAt);
              if (notice.isEmpty()) {
                return NoticeIntake.Recorded.none();
              }
              return intake.record(connection, notice.get(), subscriptions.current(), now);
            });
    intake.afterCommit(recorded);
    if (cdEventsRecorded[0]) {
      cdEvents.wake();
    }
  }
}
