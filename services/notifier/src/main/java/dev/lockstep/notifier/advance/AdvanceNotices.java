package dev.lockstep.notifier.advance;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.notifier.intake.NoticeIntake;
import dev.lockstep.notifier.intake.PlanStore;
import dev.lockstep.notifier.message.NoticeFactory;
import dev.lockstep.notifier.store.Database;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advance notices of scheduled upgrades: recorded in PostgreSQL when a plan with a window arrives,
 * cancelled when the upgrade is cancelled, and fired by {@link #fireDue()} once the injected clock
 * reaches their time (a poller calls it; so can a test that moves the clock). Firing marks the
 * notice fired in the same transaction that records its deliveries, so it fires once.
 */
public final class AdvanceNotices {
  private static final Logger LOG = LoggerFactory.getLogger(AdvanceNotices.class);

  private final Database database;
  private final PlanStore plans;
  private final NoticeFactory notices;
  private final NoticeIntake intake;
  private final SubscriptionStore subscriptions;
  private final List<Duration> leads;
  private final Clock clock;

  public AdvanceNotices(
      Database database,
      PlanStore plans,
      NoticeFactory notices,
      NoticeIntake intake,
      SubscriptionStore subscriptions,
      List<Duration> leads,
      Clock clock) {
    this.database = database;
    this.plans = plans;
    this.notices = notices;
    this.intake = intake;
    this.subscriptions = subscriptions;
    this.leads = List.copyOf(leads);
    this.clock = clock;
  }

  /** Records a plan's advance notices in the caller's transaction (again: no change). */
  public void schedule(Connection connection, Plan plan, Instant now) throws SQLException {
    for (AdvanceSchedule.Due due : AdvanceSchedule.of(plan, leads, now)) {
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO notifier.advance_notices (id, upgrade_id, lead, due_at, state,"
                  + " updated_at) VALUES (?, ?, ?, ?, 'PENDING', ?) ON CONFLICT DO NOTHING")) {
        insert.setString(1, NoticeFactory.advanceId(plan.upgradeId(), due.lead()));
        insert.setString(2, plan.upgradeId());
        insert.setString(3, due.lead().toString());
        insert.setTimestamp(4, Timestamp.from(due.due()));
        insert.setTimestamp(5, Timestamp.from(now));
        insert.executeUpdate();
      }
    }
  }

  /** Cancels an upgrade's advance notices not yet sent, in the caller's transaction. */
  public void cancel(Connection connection, String upgradeId, Instant now) throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE notifier.advance_notices SET state = 'CANCELLED', updated_at = ?"
                + " WHERE upgrade_id = ? AND state = 'PENDING'")) {
      update.setTimestamp(1, Timestamp.from(now));
      update.setString(2, upgradeId);
      update.executeUpdate();
    }
  }

  /** Fires every advance notice due by the clock; returns how many fired. */
  public int fireDue() {
    Instant now = clock.instant();
    int[] fired = {0};
    NoticeIntake.Recorded recorded =
        database.inTransaction(
            connection -> {
              NoticeIntake.Recorded all = NoticeIntake.Recorded.none();
              List<String[]> due = new ArrayList<>();
              try (PreparedStatement select =
                  connection.prepareStatement(
                      "SELECT id, upgrade_id, lead FROM notifier.advance_notices"
                          + " WHERE state = 'PENDING' AND due_at <= ? ORDER BY due_at"
                          + " FOR UPDATE SKIP LOCKED")) {
                select.setTimestamp(1, Timestamp.from(now));
                try (ResultSet row = select.executeQuery()) {
                  while (row.next()) {
                    due.add(new String[] {row.getString(1), row.getString(2), row.getString(3)});
                  }
                }
              }
              for (String[] notice : due) {
                var plan = plans.find(connection, notice[1]);
                if (plan.isPresent()) {
                  all =
                      all.plus(
                          intake.record(
                              connection,
                              notices.advance(plan.get().plan(), Duration.parse(notice[2]), now),
                              subscriptions.current(),
                              now));
                }
                try (PreparedStatement update =
                    connection.prepareStatement(
                        "UPDATE notifier.advance_notices SET state = 'FIRED', updated_at = ?"
                            + " WHERE id = ?")) {
                  update.setTimestamp(1, Timestamp.from(now));
                  update.setString(2, notice[0]);
                  update.executeUpdate();
                }
                fired[0]++;
                LOG.info("advance notice {} fired", notice[0]);
              }
              return all;
            });
    intake.afterCommit(recorded);
    return fired[0];
  }

  /** The state of an advance notice ({@code PENDING}, {@code FIRED}, {@code CANCELLED}), if any. */
  public java.util.Optional<String> state(String id) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT state FROM notifier.advance_notices WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
              return row.next()
                  ? java.util.Optional.of(row.getString(1))
                  : java.util.Optional.<String>empty();
            }
          }
        });
  }
}
