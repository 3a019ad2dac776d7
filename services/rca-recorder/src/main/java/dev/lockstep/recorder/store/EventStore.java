package dev.lockstep.recorder.store;

import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The append-only event table. Appends are multi-row {@code INSERT ... SELECT FROM unnest(...) ON
 * CONFLICT (event_id) DO NOTHING}: a redelivered event is stored once. Reads come back in log
 * order: by event time, then topic in the order of the flow (requests, plans, execution, gates,
 * notifications), partition and offset.
 */
public final class EventStore {
  /** Rows per INSERT statement (one array of this many elements per column). */
  static final int ROWS_PER_STATEMENT = 500;

  static final String LOG_ORDER =
      " ORDER BY time, CASE topic WHEN 'lockstep.requests' THEN 0 WHEN 'lockstep.plans' THEN 1"
          + " WHEN 'lockstep.execution' THEN 2 WHEN 'lockstep.gates' THEN 3"
          + " WHEN 'lockstep.notifications' THEN 4 ELSE 5 END, topic, kafka_partition,"
          + " kafka_offset";

  private static final String COLUMNS =
      "event_id, topic, kafka_partition, kafka_offset, type, schema_version, source, platform,"
          + " subject, upgrade_id, rollback_of, time, trace_id, traceparent, causation_id, data";
  private static final String UNNEST_INSERT =
      "INSERT INTO events ("
          + COLUMNS
          + ") SELECT event_id, topic, kafka_partition, kafka_offset, type, schema_version,"
          + " source, platform, subject, upgrade_id, rollback_of, time, trace_id, traceparent,"
          + " causation_id, data::jsonb FROM unnest($1::text[], $2::text[], $3::int4[],"
          + " $4::int8[], $5::text[], $6::int4[], $7::text[], $8::text[], $9::text[],"
          + " $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[],"
          + " $15::text[], $16::text[]) WITH ORDINALITY AS batch (event_id, topic,"
          + " kafka_partition, kafka_offset, type, schema_version, source, platform, subject,"
          + " upgrade_id, rollback_of, time, trace_id, traceparent, causation_id, data, n)"
          + " ORDER BY n ON CONFLICT (event_id) DO NOTHING";

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
    return database.inTransaction(session -> append(session, rows));
  }

  /**
   * Appends within a caller's transaction. Each chunk is one {@code INSERT ... SELECT FROM
   * unnest(...)} with one array per column: sixteen binds however many rows, which PostgreSQL and
   * the driver handle far faster than a {@code VALUES} list of sixteen binds per row.
   */
  public long append(Database.Session session, List<EventRow> rows) {
    long inserted = 0;
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<EventRow> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      int n = chunk.size();
      String[] eventIds = new String[n];
      String[] topics = new String[n];
      Integer[] partitions = new Integer[n];
      Long[] offsets = new Long[n];
      String[] types = new String[n];
      Integer[] schemaVersions = new Integer[n];
      String[] sources = new String[n];
      String[] platforms = new String[n];
      String[] subjects = new String[n];
      String[] upgradeIds = new String[n];
      String[] rollbacksOf = new String[n];
      OffsetDateTime[] times = new OffsetDateTime[n];
      String[] traceIds = new String[n];
      String[] traceparents = new String[n];
      String[] causationIds = new String[n];
      String[] data = new String[n];
      for (int r = 0; r < n; r++) {
        EventRow row = chunk.get(r);
        eventIds[r] = row.eventId();
        topics[r] = row.topic();
        partitions[r] = row.partition();
        offsets[r] = row.offset();
        types[r] = row.type();
        schemaVersions[r] = row.schemaVersion();
        sources[r] = row.source();
        platforms[r] = row.platform();
        subjects[r] = row.subject();
        upgradeIds[r] = row.upgradeId();
        rollbacksOf[r] = row.rollbackOf();
        times[r] = OffsetDateTime.ofInstant(row.time(), ZoneOffset.UTC);
        traceIds[r] = row.traceId();
        traceparents[r] = row.traceparent();
        causationIds[r] = row.causationId();
        data[r] = row.dataJson();
      }
      inserted +=
          session.update(
              UNNEST_INSERT,
              List.of(
                  eventIds,
                  topics,
                  partitions,
                  offsets,
                  types,
                  schemaVersions,
                  sources,
                  platforms,
                  subjects,
                  upgradeIds,
                  rollbacksOf,
                  times,
                  traceIds,
                  traceparents,
                  causationIds,
                  data));
    }
    return inserted;
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
