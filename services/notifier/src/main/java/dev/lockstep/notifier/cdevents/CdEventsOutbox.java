package dev.lockstep.notifier.cdevents;

import dev.lockstep.notifier.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The CDEvents outbox in PostgreSQL ({@code notifier.cdevents_outbox}): one row per (sink,
 * CDEvent), written in the transaction that handles the Lockstep event, so that nothing is sent
 * that was not recorded and nothing recorded is lost by a crash. A sink's rows are sent one at a
 * time in the order they were recorded, by one notifier instance at a time (a transaction-level
 * advisory lock per sink), so a consumer sees a platform's CDEvents in the order the notifier
 * handled them.
 */
final class CdEventsOutbox {
  /** The high half of the advisory lock keys ("cdev" in ASCII); the low half numbers the sink. */
  private static final long LOCK_BASE = 0x6364657600000000L;

  private final Database database;

  CdEventsOutbox(Database database) {
    this.database = database;
  }

  /** A recorded CDEvent waiting for its sink. */
  record Pending(long seq, CdEvent event, int attempts, Instant nextAttemptAt) {}

  /** Records CDEvents for sinks in the caller's transaction; a row recorded before is kept. */
  void record(
      Connection connection,
      String lockstepEventId,
      List<CdEvent> events,
      List<String> sinks,
      Instant now)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO notifier.cdevents_outbox (sink, id, event_id, type, source, subject_id,"
                + " occurred_at, platform, event, state, next_attempt_at, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?) ON CONFLICT DO"
                + " NOTHING")) {
      Timestamp at = Timestamp.from(now);
      for (String sink : sinks) {
        for (CdEvent event : events) {
          insert.setString(1, sink);
          insert.setString(2, event.id());
          insert.setString(3, lockstepEventId);
          insert.setString(4, event.type());
          insert.setString(5, event.source());
          insert.setString(6, event.subjectId());
          insert.setTimestamp(7, Timestamp.from(event.timestamp()));
          insert.setString(8, event.platform());
          insert.setString(9, event.json());
          insert.setTimestamp(10, at);
          insert.setTimestamp(11, at);
          insert.setTimestamp(12, at);
          insert.addBatch();
        }
      }
      insert.executeBatch();
    }
  }

  /** What a step does with the sink's oldest pending row, under the sink's lock. */
  @FunctionalInterface
  interface Step<T> {
    /**
     * @param head the oldest pending row, if any
     * @param writer records its outcome in the same transaction
     */
    T run(Optional<Pending> head, Writer writer) throws SQLException;
  }

  /**
   * Runs a step in one transaction holding the sink's advisory lock; empty when another instance
   * holds it (that instance is sending the sink's events).
   */
  <T> Optional<T> whileHeadLocked(String sink, int sinkNumber, Step<T> step) {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement lock =
              connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
            lock.setLong(1, LOCK_BASE + sinkNumber);
            try (ResultSet rs = lock.executeQuery()) {
              rs.next();
              if (!rs.getBoolean(1)) {
                return Optional.empty();
              }
            }
          }
          Optional<Pending> head = Optional.empty();
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT seq, id, type, source, subject_id, occurred_at, platform, event,"
                      + " attempts, next_attempt_at FROM notifier.cdevents_outbox WHERE sink = ?"
                      + " AND state = 'PENDING' ORDER BY seq LIMIT 1")) {
            select.setString(1, sink);
            try (ResultSet rs = select.executeQuery()) {
              if (rs.next()) {
                head =
                    Optional.of(
                        new Pending(
                            rs.getLong(1),
                            new CdEvent(
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getTimestamp(6).toInstant(),
                                rs.getString(7),
                                rs.getString(8)),
                            rs.getInt(9),
                            rs.getTimestamp(10).toInstant()));
              }
            }
          }
          return Optional.ofNullable(step.run(head, new Writer(connection)));
        });
  }

  /** Records a row's outcome inside {@link #whileHeadLocked}. */
  static final class Writer {
    private final Connection connection;

    private Writer(Connection connection) {
      this.connection = connection;
    }

    /**
     * @param state {@code SENT}, {@code FAILED} or (to try again) {@code PENDING}
     */
    void outcome(
        long seq, String state, int attempts, String error, Instant nextAttemptAt, Instant now)
        throws SQLException {
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE notifier.cdevents_outbox SET state = ?, attempts = ?, last_error = ?,"
                  + " next_attempt_at = ?, updated_at = ? WHERE seq = ?")) {
        update.setString(1, state);
        update.setInt(2, attempts);
        update.setString(3, error);
        update.setTimestamp(4, Timestamp.from(nextAttemptAt));
        update.setTimestamp(5, Timestamp.from(now));
        update.setLong(6, seq);
        update.executeUpdate();
      }
    }
  }
}
