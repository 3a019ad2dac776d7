package dev.lockstep.notifier.feed;

import dev.lockstep.notifier.message.Message;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The team feeds in PostgreSQL: one entry per (team, notice), kept across restarts. Every instance
 * appends to them; appends are serialized by a transaction-level advisory lock, so entry ids are
 * committed in their order (a stream that sent entry n never has an entry below n appear later),
 * and each commit that adds an entry notifies {@value #CHANNEL}, which every instance's {@link
 * FeedFollower} listens on.
 */
public final class FeedStore {
  /** The PostgreSQL notification channel of new entries. */
  public static final String CHANNEL = "lockstep_feed";

  /** The advisory lock key of appends ("feed" in ASCII). */
  private static final long APPEND_LOCK = 0x66656564L;

  private final Database database;

  public FeedStore(Database database) {
    this.database = database;
  }

  /** Appends an entry in the caller's transaction; empty when the team already has it. */
  public Optional<FeedEntry> append(
      Connection connection, String team, Notice notice, Message message) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, APPEND_LOCK);
      lock.execute();
    }
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO notifier.feed_entries (team, notice_id, type, severity, platform,"
                + " upgrade_id, time, subject, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING RETURNING id")) {
      insert.setString(1, team);
      insert.setString(2, notice.id());
      insert.setString(3, notice.type());
      insert.setString(4, notice.severity().wire());
      insert.setString(5, notice.platform());
      insert.setString(6, notice.upgradeId());
      insert.setTimestamp(7, Timestamp.from(notice.time()));
      insert.setString(8, message.subject());
      insert.setString(9, message.text());
      try (ResultSet row = insert.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        try (PreparedStatement notify =
            connection.prepareStatement("SELECT pg_notify('" + CHANNEL + "', '')")) {
          notify.execute();
        }
        return Optional.of(
            new FeedEntry(
                row.getLong(1),
                team,
                notice.id(),
                notice.type(),
                notice.severity().wire(),
                notice.platform(),
                notice.upgradeId(),
                notice.time(),
                message.subject(),
                message.text()));
      }
    }
  }

  /** A page of a team's feed, newest first, with ids below {@code before} (if given). */
  public List<FeedEntry> page(String team, Long before, int limit) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT * FROM notifier.feed_entries WHERE team = ? AND id < ?"
                      + " ORDER BY id DESC LIMIT ?")) {
            select.setString(1, team);
            select.setLong(2, before == null ? Long.MAX_VALUE : before);
            select.setInt(3, limit);
            return read(select);
          }
        });
  }

  /** A team's entries after an id, oldest first (an SSE resume). */
  public List<FeedEntry> after(String team, long after, int limit) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT * FROM notifier.feed_entries WHERE team = ? AND id > ?"
                      + " ORDER BY id LIMIT ?")) {
            select.setString(1, team);
            select.setLong(2, after);
            select.setInt(3, limit);
            return read(select);
          }
        });
  }

  /** True when the team's feed has at least one entry. */
  public boolean hasEntries(String team) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT 1 FROM notifier.feed_entries WHERE team = ? LIMIT 1")) {
            select.setString(1, team);
            try (ResultSet row = select.executeQuery()) {
              return row.next();
            }
          }
        });
  }

  /** Every team's entries with ids above {@code after}, oldest first. */
  public List<FeedEntry> afterAll(long after, int limit) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT * FROM notifier.feed_entries WHERE id > ? ORDER BY id LIMIT ?")) {
            select.setLong(1, after);
            select.setInt(2, limit);
            return read(select);
          }
        });
  }

  /** The newest entry id of the whole store, 0 when empty: where a new stream starts. */
  public long newestId() {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
                  connection.prepareStatement(
                      "SELECT coalesce(max(id), 0) FROM notifier.feed_entries");
              ResultSet row = select.executeQuery()) {
            row.next();
            return row.getLong(1);
          }
        });
  }

  private static List<FeedEntry> read(PreparedStatement select) throws SQLException {
    List<FeedEntry> entries = new ArrayList<>();
    try (ResultSet row = select.executeQuery()) {
      while (row.next()) {
        entries.add(
            new FeedEntry(
                row.getLong("id"),
                row.getString("team"),
                row.getString("notice_id"),
                row.getString("type"),
                row.getString("severity"),
                row.getString("platform"),
                row.getString("upgrade_id"),
                row.getTimestamp("time").toInstant(),
                row.getString("subject"),
                row.getString("body")));
      }
    }
    return entries;
  }
}
