package dev.lockstep.notifier.intake;

import dev.lockstep.notifier.delivery.DeliveryEngine;
import dev.lockstep.notifier.delivery.DeliveryLog;
import dev.lockstep.notifier.feed.FeedEntry;
import dev.lockstep.notifier.feed.FeedStore;
import dev.lockstep.notifier.message.Message;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.subscription.Route;
import dev.lockstep.notifier.subscription.SubscriptionConfig;
import dev.lockstep.notifier.templates.MessageTemplates;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Records a notice for everyone it concerns, in the caller's transaction: an entry in each matching
 * team's feed (with a delivered row in the delivery log, so that the entry is published as {@code
 * notification.delivered} on channel {@code feed}) and a pending row in the delivery log for each
 * (team, channel). What was new is handed on ({@link #afterCommit}) only once the transaction is
 * committed.
 */
public final class NoticeIntake {
  private final MessageTemplates templates;
  private final DeliveryLog log;
  private final DeliveryEngine engine;
  private final FeedStore feeds;

  public NoticeIntake(
      MessageTemplates templates, DeliveryLog log, DeliveryEngine engine, FeedStore feeds) {
    this.templates = templates;
    this.feeds = feeds;
    this.log = log;
    this.engine = engine;
  }

  /**
   * What a notice added: new feed entries and new deliveries.
   *
   * @param entries the feed entries added
   * @param deliveries the delivery ids recorded, the feeds' included
   */
  public record Recorded(List<FeedEntry> entries, List<String> deliveries) {
    /** Nothing recorded. */
    public static Recorded none() {
      return new Recorded(List.of(), List.of());
    }

    /** Both together. */
    public Recorded plus(Recorded other) {
      List<FeedEntry> e = new ArrayList<>(entries);
      e.addAll(other.entries);
      List<String> d = new ArrayList<>(deliveries);
      d.addAll(other.deliveries);
      return new Recorded(e, d);
    }
  }

  /** Records a notice; a notice already recorded adds nothing. */
  public Recorded record(
      Connection connection, Notice notice, SubscriptionConfig subscriptions, Instant now)
      throws SQLException {
    Message message = templates.render(notice);
    List<FeedEntry> entries = new ArrayList<>();
    List<String> deliveries = new ArrayList<>();
    for (String team :
        subscriptions.teamsFor(
            notice.platform(),
            notice.type(),
            notice.severity(),
            notice.layers(),
            notice.components())) {
      feeds.append(connection, team, notice, message).ifPresent(entries::add);
      if (log.recordFeed(connection, notice, team, message, now)) {
        deliveries.add(DeliveryLog.feedDeliveryId(notice.id(), team));
      }
    }
    for (Route route :
        subscriptions.routesFor(
            notice.platform(),
            notice.type(),
            notice.severity(),
            notice.layers(),
            notice.components())) {
      boolean added =
          log.record(
              connection,
              notice,
              route.team(),
              route.channel().name(),
              route.channel().type(),
              message,
              now);
      if (added) {
        deliveries.add(DeliveryLog.deliveryId(notice.id(), route.team(), route.channel().name()));
      }
    }
    return new Recorded(entries, deliveries);
  }

  /**
   * Hands what was recorded on: deliveries to the engine. The entries reach the open streams of
   * every instance, this one included, through the {@link dev.lockstep.notifier.feed.FeedFollower}.
   */
  public void afterCommit(Recorded recorded) {
    recorded.deliveries().forEach(engine::start);
  }
}
