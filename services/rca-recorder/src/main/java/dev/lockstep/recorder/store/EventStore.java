package dev.lockstep.recorder.store;

import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/**
 * The append-only event table. An append copies its rows ({@code COPY} in binary format, the
 * fastest way into PostgreSQL) straight into the table; when one of them is stored already (a
 * redelivery), the copy is undone and the rows go into a staging table of the connection's own
 * instead, then are moved with one {@code INSERT ... SELECT ... ON CONFLICT (event_id) DO NOTHING
 * RETURNING}: a redelivered event is stored once, and the caller learns which rows were new. Reads
 * come back in log order: by event time, then topic in the order of the flow (requests, plans,
 * execution, gates, notifications), partition and offset.
 */
public final class EventStore {
  static final String LOG_ORDER =
      " ORDER BY time, CASE topic WHEN 'lockstep.requests' THEN 0 WHEN 'lockstep.plans' THEN 1"
          + " WHEN 'lockstep.execution' THEN 2 WHEN 'lockstep.gates' THEN 3"
          + " WHEN 'lockstep.notifications' THEN 4 ELSE 5 END, topic, kafka_partition,"
          + " kafka_offset";

  static final String COLUMNS =
      "event_id, topic, kafka_partition, kafka_offset, type, schema_version, source, platform,"
          + " subject, upgrade_id, rollback_of, time, trace_id, traceparent, causation_id, data";

  /** The staging table's columns, in the order {@link CopyBinary} writes them. */
  static final String STAGED_COLUMNS = COLUMNS + ", n";

  /**
   * A temporary table lives as long as its connection and is seen by no other; its rows go at the
   * end of every transaction, so a batch never meets the rows of another.
   */
  private static final String STAGE =
      "CREATE TEMP TABLE IF NOT EXISTS events_staging (event_id text, topic text,"
          + " kafka_partition int4, kafka_offset int8, type text, schema_version int4, source text,"
          + " platform text, subject text, upgrade_id text, rollback_of text, time timestamptz,"
          + " trace_id text, traceparent text, causation_id text, data text, n int4)"
          + " ON COMMIT DELETE ROWS";

  private static final String COPY =
      "COPY events_staging (" + STAGED_COLUMNS + ") FROM STDIN (FORMAT binary)";

  private static final String COPY_DIRECT =
      "COPY events (" + COLUMNS + ") FROM STDIN (FORMAT binary)";

  /** The state before the direct copy, to go back to when one of its rows is stored already. */
  private static final String SAVEPOINT = "SAVEPOINT events_append";

  /** PostgreSQL's SQLSTATE for a unique index that refuses a row. */
  private static final String UNIQUE_VIOLATION = "23505";

  private static final String MOVE =
      "INSERT INTO events ("
          + COLUMNS
          + ") SELECT event_id, topic, kafka_partition, kafka_offset, type, schema_version,"
          + " source, platform, subject, upgrade_id, rollback_of, time, trace_id, traceparent,"
          + " causation_id, data::jsonb FROM events_staging ORDER BY n"
          + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id, time";

  private final Database database;

  public EventStore(Database database) {
    this.database = database;
  }

  /**
   * Appends the rows in one transaction; rows whose event id is already stored are skipped.
   *
   * @return how many rows were new
   */
  public long append(List<EventRow> rows) {
    if (rows.isEmpty()) {
      return 0;
    }
    return appendNew(rows).size();
  }

  /**
   * Appends the rows in one transaction; rows whose event id is already stored are skipped. The
   * rows are copied straight into the event table; when the unique event id refuses one, that
   * transaction is rolled back and the rows go through the staging table in another.
   *
   * @return the rows that were new: their event ids with their time as stored
   */
  public Map<String, Instant> appendNew(List<EventRow> rows) {
    return appendNew(prepare(rows));
  }

  /**
   * Rows made ready to append: with their {@code COPY} input, written before the append (pure, so
   * that a consumer can make it while the previous batch is being written).
   *
   * @param rows the rows
   * @param direct their {@code COPY} input for the event table
   */
  public record Prepared(List<EventRow> rows, byte[] direct) {}

  /** Makes the rows' {@code COPY} input. Pure. */
  public static Prepared prepare(List<EventRow> rows) {
    return new Prepared(rows, rows.isEmpty() ? new byte[0] : CopyBinary.of(rows, false));
  }

  /**
   * {@link #appendNew(List)} of prepared rows.
   *
   * @return the rows that were new: their event ids with their time as stored
   */
  public Map<String, Instant> appendNew(Prepared prepared) {
    List<EventRow> rows = prepared.rows();
    if (rows.isEmpty()) {
      return Map.of();
    }
    try {
      return database.inTransaction(session -> copyDirect(session, rows, prepared.direct()));
    } catch (RuntimeException e) {
      if (!Database.hasSqlState(e, UNIQUE_VIOLATION)) {
        throw e;
      }
    }
    return database.inTransaction(session -> appendStaged(session, rows));
  }

  /**
   * Runs work (appends, then reads and writes that follow them) on one connection of the pool.
   *
   * @see Database#onOneConnection
   */
  public <T> T onOneConnection(Supplier<T> work) {
    return database.onOneConnection(work);
  }

  /**
   * Appends within a caller's transaction; rows whose event id is already stored are skipped.
   *
   * @return how many rows were new
   */
  public long append(Database.Session session, List<EventRow> rows) {
    return appendNew(session, rows).size();
  }

  /**
   * Appends within a caller's transaction. The rows are copied straight into the event table, which
   * is all it takes when none of them is stored yet (the rule: a redelivery is rare); when the
   * unique event id refuses one, the copy is undone (to a savepoint) and the rows are copied into
   * the connection's staging table and moved into the event table with one statement, which skips
   * the ids already stored (and the second of two rows with one id). Nothing of it is visible to
   * others before the caller commits.
   *
   * @return the rows that were new: their event ids with their time as stored (each row's time is
   *     already what the table keeps: see {@link EventRow#storedTime})
   */
  public Map<String, Instant> appendNew(Database.Session session, List<EventRow> rows) {
    if (rows.isEmpty()) {
      return Map.of();
    }
    session.update(SAVEPOINT, List.of());
    try {
      Map<String, Instant> stored = copyDirect(session, rows, CopyBinary.of(rows, false));
      session.update("RELEASE " + SAVEPOINT, List.of());
      return stored;
    } catch (RuntimeException e) {
      if (!Database.hasSqlState(e, UNIQUE_VIOLATION)) {
        throw e;
      }
      session.update("ROLLBACK TO " + SAVEPOINT, List.of());
    }
    return appendStaged(session, rows);
  }

  /**
   * Copies the rows straight into the event table, all or none: the unique event id refuses the
   * copy (SQLSTATE 23505) when one of them is stored already.
   *
   * @return every row, new: its event id with its time as stored
   */
  private static Map<String, Instant> copyDirect(
      Database.Session session, List<EventRow> rows, byte[] input) {
    session.copyIn(COPY_DIRECT, input);
    Map<String, Instant> stored = new LinkedHashMap<>(rows.size() * 2);
    for (EventRow row : rows) {
      stored.put(row.eventId(), row.time());
    }
    return stored;
  }

  /** Appends through the staging table: the rows that were new, with their time as stored. */
  private static Map<String, Instant> appendStaged(Database.Session session, List<EventRow> rows) {
    session.update(STAGE, List.of());
    session.copyIn(COPY, CopyBinary.of(rows, true));
    Map<String, Instant> stored = new LinkedHashMap<>();
    for (Object[] row :
        session.query(
            MOVE,
            List.of(),
            row -> new Object[] {row.get("event_id", String.class), instant(row, "time")})) {
      stored.put((String) row[0], (Instant) row[1]);
    }
    return stored;
  }

  /**
   * Runs reads that must agree with each other (an upgrade's rollbacks and then their events) in
   * one snapshot of the table.
   */
  public <T> T inSnapshot(Function<Database.Session, T> reads) {
    return database.inSnapshot(reads);
  }

  /** The events of the given upgrades, in log order. */
  public List<EventRow> eventsOf(Collection<String> upgradeIds) {
    return database.withSession(session -> eventsOf(session, upgradeIds));
  }

  /** The events of the given upgrades, in log order, read in the caller's session. */
  public static List<EventRow> eventsOf(Database.Session session, Collection<String> upgradeIds) {
    if (upgradeIds.isEmpty()) {
      return List.of();
    }
    return session.query(
        "SELECT * FROM events WHERE upgrade_id = ANY($1)" + LOG_ORDER,
        List.of((Object) upgradeIds.toArray(String[]::new)),
        EventStore::row);
  }

  /**
   * An event's place in the stories of upgrades: its id and the upgrade it belongs to.
   *
   * @param eventId the event id
   * @param upgradeId the upgrade it belongs to
   */
  public record Placed(String eventId, String upgradeId) {}

  /**
   * The ids of the events of the given upgrades, in log order, read in the caller's session: a
   * story without the rows, for a reader that holds most of them decoded already.
   */
  public static List<Placed> placesOf(Database.Session session, Collection<String> upgradeIds) {
    if (upgradeIds.isEmpty()) {
      return List.of();
    }
    return session.query(
        "SELECT event_id, upgrade_id FROM events WHERE upgrade_id = ANY($1)" + LOG_ORDER,
        List.of((Object) upgradeIds.toArray(String[]::new)),
        row -> new Placed(row.get("event_id", String.class), row.get("upgrade_id", String.class)));
  }

  /** The rows of the given events (in no particular order), read in the caller's session. */
  public static List<EventRow> rowsOf(Database.Session session, Collection<String> eventIds) {
    if (eventIds.isEmpty()) {
      return List.of();
    }
    return session.query(
        "SELECT * FROM events WHERE event_id = ANY($1)",
        List.of((Object) eventIds.toArray(String[]::new)),
        EventStore::row);
  }

  /**
   * The rows of the given upgrades' events in log order, streamed from the database {@code
   * fetchSize} rows at a time ({@link Database#stream}): a story of any length in bounded memory.
   * Each upgrade's rows come in log order from the index by upgrade (sorted further only among
   * events of one instant), and the upgrades' are merged, so nothing sorts the whole story. The
   * time comes as microseconds since the epoch: read as a number, not parsed as text (parsing was
   * about a quarter of a long replay's time).
   */
  public Flux<EventRow> streamStory(List<String> upgradeIds, int fetchSize) {
    return database.stream(
        storyQuery(upgradeIds.size(), STREAMED_COLUMNS),
        upgradeIds,
        fetchSize,
        EventStore::streamedRow);
  }

  /** The columns of {@link #streamedRow}, in its order. */
  private static final String STREAMED_COLUMNS =
      "event_id, topic, kafka_partition, kafka_offset, type, schema_version, source, platform,"
          + " subject, upgrade_id, rollback_of, (EXTRACT(EPOCH FROM time) * 1000000)::int8 AS"
          + " time_micros, trace_id, traceparent, causation_id, data";

  /** A row of {@link #STREAMED_COLUMNS}, read by position. */
  private static EventRow streamedRow(Row row) {
    long micros = row.get(11, Long.class);
    return new EventRow(
        row.get(0, String.class),
        row.get(1, String.class),
        row.get(2, Integer.class),
        row.get(3, Long.class),
        row.get(4, String.class),
        row.get(5, Integer.class),
        row.get(6, String.class),
        row.get(7, String.class),
        row.get(8, String.class),
        row.get(9, String.class),
        row.get(10, String.class),
        Instant.ofEpochSecond(
            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L),
        row.get(12, String.class),
        row.get(13, String.class),
        row.get(14, String.class),
        row.get(15, Json.class).asString());
  }

  /** The platform of the first event, in log order, of the given upgrades; empty: none stored. */
  public Optional<String> firstPlatform(List<String> upgradeIds) {
    return database
        .withSession(
            session ->
                session.query(
                    storyQuery(upgradeIds.size(), "platform") + " LIMIT 1",
                    upgradeIds,
                    row -> row.get("platform", String.class)))
        .stream()
        .findFirst();
  }

  /**
   * The events of {@code upgrades} upgrades ($1, $2, ...) in log order: one index scan per upgrade,
   * merged (a single scan of {@code upgrade_id = ANY(...)} would have to sort them all).
   */
  private static String storyQuery(int upgrades, String columns) {
    StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(" FROM (");
    for (int i = 1; i <= upgrades; i++) {
      sql.append(i == 1 ? "" : " UNION ALL ")
          .append("SELECT * FROM events WHERE upgrade_id = $")
          .append(i);
    }
    return sql.append(") story").append(LOG_ORDER).toString();
  }

  /** The upgrades that roll back the given one. */
  public List<String> rollbacksOf(String upgradeId) {
    return database.withSession(
        session ->
            session.query(
                "SELECT DISTINCT upgrade_id FROM events WHERE rollback_of = $1"
                    + " AND upgrade_id IS NOT NULL AND upgrade_id <> $1 ORDER BY upgrade_id",
                List.of(upgradeId),
                row -> row.get("upgrade_id", String.class)));
  }

  /**
   * The upgrades that roll back each of the given ones, in one query (the bulk form of {@link
   * #rollbacksOf(String)}); an upgrade without rollbacks has no key.
   */
  public Map<String, List<String>> rollbacksOf(Collection<String> upgradeIds) {
    return database.withSession(session -> rollbacksOf(session, upgradeIds));
  }

  /** {@link #rollbacksOf(Collection)} in the caller's session. */
  public static Map<String, List<String>> rollbacksOf(
      Database.Session session, Collection<String> upgradeIds) {
    if (upgradeIds.isEmpty()) {
      return Map.of();
    }
    List<String[]> pairs =
        session.query(
            "SELECT DISTINCT rollback_of, upgrade_id FROM events"
                + " WHERE rollback_of = ANY($1) AND upgrade_id IS NOT NULL"
                + " AND upgrade_id <> rollback_of ORDER BY rollback_of, upgrade_id",
            List.of((Object) upgradeIds.toArray(String[]::new)),
            row ->
                new String[] {
                  row.get("rollback_of", String.class), row.get("upgrade_id", String.class)
                });
    Map<String, List<String>> rollbacks = new LinkedHashMap<>();
    for (String[] pair : pairs) {
      rollbacks.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
    }
    return rollbacks;
  }

  /** The upgrades that the given ones roll back (empty for upgrades that are not rollbacks). */
  public Set<String> rolledBackBy(Collection<String> upgradeIds) {
    return database.withSession(session -> rolledBackBy(session, upgradeIds));
  }

  /** {@link #rolledBackBy(Collection)} in the caller's session. */
  public static Set<String> rolledBackBy(Database.Session session, Collection<String> upgradeIds) {
    if (upgradeIds.isEmpty()) {
      return Set.of();
    }
    return new LinkedHashSet<>(
        session.query(
            "SELECT DISTINCT rollback_of FROM events WHERE upgrade_id = ANY($1)"
                + " AND rollback_of IS NOT NULL AND rollback_of <> upgrade_id",
            List.of((Object) upgradeIds.toArray(String[]::new)),
            row -> row.get("rollback_of", String.class)));
  }

  /** Every upgrade id that any event names. */
  public List<String> upgradeIds() {
    return database.withSession(
        session ->
            session.query(
                "SELECT DISTINCT upgrade_id FROM events WHERE upgrade_id IS NOT NULL"
                    + " ORDER BY upgrade_id",
                List.of(),
                row -> row.get("upgrade_id", String.class)));
  }

  /** True when no event is stored: a fresh database. */
  public boolean isEmpty() {
    return database
        .withSession(
            session -> session.query("SELECT 1 AS one FROM events LIMIT 1", List.of(), row -> 1))
        .isEmpty();
  }

  /** How many events of a platform are stored. */
  public long countOf(String platform) {
    return database.withSession(
        session ->
            session
                .query(
                    "SELECT count(*) AS n FROM events WHERE platform = $1",
                    List.of(platform),
                    row -> row.get("n", Long.class))
                .get(0));
  }

  /** The stored event ids of a platform, in log order. */
  public List<String> eventIdsOf(String platform) {
    return database.withSession(
        session ->
            session.query(
                "SELECT event_id FROM events WHERE platform = $1" + LOG_ORDER,
                List.of(platform),
                row -> row.get("event_id", String.class)));
  }

  /** One event by id. */
  public Optional<EventRow> find(String eventId) {
    return database
        .withSession(
            session ->
                session.query(
                    "SELECT * FROM events WHERE event_id = $1", List.of(eventId), EventStore::row))
        .stream()
        .findFirst();
  }

  static EventRow row(Row row) {
    return new EventRow(
        row.get("event_id", String.class),
        row.get("topic", String.class),
        row.get("kafka_partition", Integer.class),
        row.get("kafka_offset", Long.class),
        row.get("type", String.class),
        row.get("schema_version", Integer.class),
        row.get("source", String.class),
        row.get("platform", String.class),
        row.get("subject", String.class),
        row.get("upgrade_id", String.class),
        row.get("rollback_of", String.class),
        instant(row, "time"),
        row.get("trace_id", String.class),
        row.get("traceparent", String.class),
        row.get("causation_id", String.class),
        row.get("data", Json.class).asString());
  }

  static Instant instant(Row row, String column) {
    OffsetDateTime value = row.get(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static Object orNull(Object value) {
    return value == null ? new Database.Null(String.class) : value;
  }
}
