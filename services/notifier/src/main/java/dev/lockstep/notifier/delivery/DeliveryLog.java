package dev.lockstep.notifier.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.message.Message;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The delivery log in PostgreSQL: one row per (notice, team, channel), written before the first
 * attempt and updated after each, so that a restarted notifier resumes what is pending and never
 * sends again what a channel acknowledged.
 */
public final class DeliveryLog {
  private static final String COLUMNS =
      "id, team, channel, channel_type, state, attempts, next_attempt_at, last_error, notice,"
          + " subject, body, outcome_published";

  private final Database database;

  public DeliveryLog(Database database) {
    this.database = database;
  }

  /** The delivery id of a notice to a team on a channel: the same every time. */
  public static String deliveryId(String noticeId, String team, String channel) {
    return UUID.nameUUIDFromBytes(
            (noticeId + "\n" + team + "\n" + channel).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** The channel type of a team's feed, as {@code notification.delivered} names it. */
  public static final String FEED = "feed";

  /**
   * The channel column of a feed's row: blank, a name no configured channel may have, so a feed row
   * never takes the place of a channel's.
   */
  private static final String FEED_CHANNEL = "";

  /** The delivery id of a notice's entry in a team's feed: the same every time. */
  public static String feedDeliveryId(String noticeId, String team) {
    return deliveryId(noticeId, team, FEED_CHANNEL);
  }

  /**
   * Records, in the caller's transaction, that a notice entered a team's feed: a row that is
   * delivered already (the entry is in the feed), so that the engine publishes its {@code
   * notification.delivered} (channel {@code {feed, <team>}}) as it does for every channel, once and
   * resumably. False when it was already recorded.
   */
  public boolean recordFeed(
      Connection connection, Notice notice, String team, Message message, Instant now)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO notifier.deliveries (id, event_id, team, channel, channel_type, platform,"
                + " upgrade_id, state, attempts, next_attempt_at, notice, subject, body,"
                + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'DELIVERED', 1, ?, ?, ?,"
                + " ?, ?, ?) ON CONFLICT DO NOTHING")) {
      Timestamp at = Timestamp.from(now);
      insert.setString(1, feedDeliveryId(notice.id(), team));
      insert.setString(2, notice.id());
      insert.setString(3, team);
      insert.setString(4, FEED_CHANNEL);
      insert.setString(5, FEED);
      insert.setString(6, notice.platform());
      insert.setString(7, notice.upgradeId());
      insert.setTimestamp(8, at);
      insert.setString(9, toJson(notice));
      insert.setString(10, message.subject());
      insert.setString(11, message.text());
      insert.setTimestamp(12, at);
      insert.setTimestamp(13, at);
      return insert.executeUpdate() == 1;
    }
  }

  /**
   * Records a pending delivery in the caller's transaction; false when it was already recorded (a
   * duplicate event).
   */
  public boolean record(
      Connection connection,
      Notice notice,
      String team,
      String channel,
      String channelType,
      Message message,
      Instant now)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO notifier.deliveries (id, event_id, team, channel, channel_type, platform,"
                + " upgrade_id, state, attempts, next_attempt_at, notice, subject, body,"
                + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?,"
                + " ?, ?) ON CONFLICT DO NOTHING")) {
      Timestamp at = Timestamp.from(now);
      insert.setString(1, deliveryId(notice.id(), team, channel));
      insert.setString(2, notice.id());
      insert.setString(3, team);
      insert.setString(4, channel);
      insert.setString(5, channelType);
      insert.setString(6, notice.platform());
      insert.setString(7, notice.upgradeId());
      insert.setTimestamp(8, at);
      insert.setString(9, toJson(notice));
      insert.setString(10, message.subject());
      insert.setString(11, message.text());
      insert.setTimestamp(12, at);
      insert.setTimestamp(13, at);
      return insert.executeUpdate() == 1;
    }
  }

  /** One delivery. */
  public Optional<DeliveryRecord> find(String id) {
    return database.inTransaction(
        connection -> {
          List<DeliveryRecord> rows =
              query(connection, "SELECT " + COLUMNS + " FROM notifier.deliveries WHERE id = ?", id);
          return rows.stream().findFirst();
        });
  }

  /** The deliveries still to attempt, and those whose outcome is not yet published. */
  public List<DeliveryRecord> unfinished() {
    return database.inTransaction(
        connection ->
            query(
                connection,
                "SELECT "
                    + COLUMNS
                    + " FROM notifier.deliveries WHERE NOT outcome_published ORDER BY created_at"));
  }

  /** Every delivery of a notice (for tests and operators). */
  public List<DeliveryRecord> ofNotice(String noticeId) {
    return database.inTransaction(
        connection ->
            query(
                connection,
                "SELECT "
                    + COLUMNS
                    + " FROM notifier.deliveries WHERE event_id = ? ORDER BY team,"
                    + " channel",
                noticeId));
  }

  /**
   * Runs work on one delivery while holding its row lock, so that two notifier processes never
   * attempt the same delivery at once. Empty when the row does not exist or another process holds
   * it (that process finishes the step).
   */
  public <T> Optional<T> whileLocked(String id, LockedWork<T> work) {
    return database.inTransaction(
        connection -> {
          List<DeliveryRecord> rows =
              query(
                  connection,
                  "SELECT "
                      + COLUMNS
                      + " FROM notifier.deliveries WHERE id = ?"
                      + " FOR UPDATE SKIP LOCKED",
                  id);
          if (rows.isEmpty()) {
            return Optional.empty();
          }
          return Optional.ofNullable(work.run(rows.get(0), new Writer(connection)));
        });
  }

  /** Work on a locked delivery; may return null. */
  @FunctionalInterface
  public interface LockedWork<T> {
    /** Does the work; changes go through the writer, in the same transaction. */
    T run(DeliveryRecord record, Writer writer) throws SQLException;
  }

  /** Changes a locked delivery in the lock's transaction. */
  public static final class Writer {
    private final Connection connection;

    Writer(Connection connection) {
      this.connection = connection;
    }

    /** Records an attempt's outcome. */
    public void attempt(
        String id, DeliveryState state, int attempts, String error, Instant next, Instant now)
        throws SQLException {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE notifier.deliveries SET state = ?, attempts = ?, last_error = ?,"
                  + " next_attempt_at = ?, updated_at = ? WHERE id = ?")) {
        update.setString(1, state.name());
        update.setInt(2, attempts);
        update.setString(3, error);
        update.setTimestamp(4, Timestamp.from(next));
        update.setTimestamp(5, Timestamp.from(now));
        update.setString(6, id);
        update.executeUpdate();
      }
    }

    /** Records that the outcome event of a finished delivery is on Kafka. */
    public void published(String id) throws SQLException {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE notifier.deliveries SET outcome_published = true WHERE id = ?")) {
        update.setString(1, id);
        update.executeUpdate();
      }
    }
  }

  private static List<DeliveryRecord> query(Connection connection, String sql, String... args)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        select.setString(i + 1, args[i]);
      }
      List<DeliveryRecord> rows = new ArrayList<>();
      try (ResultSet row = select.executeQuery()) {
        while (row.next()) {
          rows.add(
              new DeliveryRecord(
                  row.getString("id"),
                  row.getString("team"),
                  row.getString("channel"),
                  row.getString("channel_type"),
                  DeliveryState.valueOf(row.getString("state")),
                  row.getInt("attempts"),
                  row.getTimestamp("next_attempt_at").toInstant(),
                  row.getString("last_error"),
                  fromJson(row.getString("notice")),
                  row.getString("subject"),
                  row.getString("body"),
                  row.getBoolean("outcome_published")));
        }
      }
      return rows;
    }
  }

  static String toJson(Notice notice) {
    try {
      return Json.mapper().writeValueAsString(notice);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write notice " + notice.id(), e);
    }
  }

  static Notice fromJson(String json) {
    try {
      return Json.mapper().readValue(json, Notice.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read a stored notice", e);
    }
  }
}
