package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.testkit.postgres.Postgres;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two ways an append goes into a real event table: rows none of which is stored yet are copied
 * straight in; rows among which one is stored already go through the staging table. Either way each
 * event is stored once, the append answers which events were new with their times exactly as the
 * table gives them back (the projections fold those times without reading the rows again), and an
 * append inside a caller's transaction leaves the caller's other writes in place.
 */
class EventAppendIT {
  private static final String DATABASE = "recorder_append_it";
  private static final EventCodec CODEC = new EventCodec(EventCatalog.standard());

  private static Database database;
  private static EventStore store;

  @BeforeAll
  static void open() {
    Postgres postgres = Postgres.shared();
    postgres.createDatabase(DATABASE);
    database =
        new Database(
            DatabaseSettings.of(
                postgres.host(),
                postgres.port(),
                DATABASE,
                postgres.username(),
                postgres.password()));
    store = new EventStore(database);
  }

  @AfterAll
  static void close() {
    database.close();
  }

  @Test
  void newRowsAndRedeliveredRowsAreStoredOnceWithTheTimesTheTableGivesBack() {
    TestingScenario scenario =
        TestingScenario.failedGateRolledBack("append-" + UUID.randomUUID(), base());
    // Times below the microsecond, the table's precision: halves (rounded to even), and one that
    // rounds up into the next second.
    int[] nanos = {123_456_500, 123_457_500, 2_500, 3_501, 999_999_600, 7_000, 41};
    List<EventRow> rows = new ArrayList<>();
    for (int i = 0; i < nanos.length; i++) {
      EventEnvelope event = scenario.events().get(i);
      rows.add(row(event, event.time().plusNanos(nanos[i]), i));
    }

    Map<String, Instant> first = store.appendNew(rows.subList(0, 4));
    assertThat(first).containsOnlyKeys(ids(rows.subList(0, 4)));
    assertStoredAsAnswered(first);

    Map<String, Instant> second = store.appendNew(rows);
    assertThat(second).containsOnlyKeys(ids(rows.subList(4, rows.size())));
    assertStoredAsAnswered(second);

    assertThat(store.appendNew(rows)).isEmpty();
    assertThat(store.eventIdsOf(scenario.events().get(0).platform()))
        .containsExactlyInAnyOrderElementsOf(ids(rows));

    // The replay's stream reads the rows (their times as numbers) as the other reads do.
    List<EventRow> streamed =
        store.streamStory(List.of(scenario.upgradeId), 3).collectList().block();
    assertThat(streamed).hasSize(rows.size());
    for (EventRow row : streamed) {
      assertThat(row).isEqualTo(store.find(row.eventId()).orElseThrow());
    }
  }

  @Test
  void aRedeliveryInsideACallersTransactionKeepsTheCallersOtherWrites() {
    TestingScenario scenario =
        TestingScenario.failedGateRolledBack("append-" + UUID.randomUUID(), base());
    List<EventRow> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      EventEnvelope event = scenario.events().get(i);
      rows.add(row(event, event.time(), i));
    }
    store.append(rows.subList(0, 2));

    long appended =
        database.inTransaction(
            session -> {
              session.update(
                  "INSERT INTO notes (upgrade_id, author, text, created_at) VALUES ($1, $2, $3, $4)",
                  List.of(
                      scenario.upgradeId,
                      "alice@example.com",
                      "written before the append",
                      OffsetDateTime.now(ZoneOffset.UTC)));
              return store.append(session, rows);
            });

    assertThat(appended).isEqualTo(4);
    assertThat(store.eventIdsOf(scenario.events().get(0).platform()))
        .containsExactlyInAnyOrderElementsOf(ids(rows));
    List<String> notes =
        database.withSession(
            session ->
                session.query(
                    "SELECT text FROM notes WHERE upgrade_id = $1",
                    List.of(scenario.upgradeId),
                    row -> row.get("text", String.class)));
    assertThat(notes).containsExactly("written before the append");
  }

  private static void assertStoredAsAnswered(Map<String, Instant> answered) {
    answered.forEach(
        (id, time) ->
            assertThat(store.find(id).orElseThrow().time()).as("time of %s", id).isEqualTo(time));
  }

  /** The event under a new id (each test stores its own) at the given time. */
  private static EventRow row(EventEnvelope event, Instant time, int offset) {
    EventEnvelope copy =
        new EventEnvelope(
            UUID.randomUUID().toString(),
            event.source(),
            event.type(),
            event.version(),
            event.subject(),
            time,
            event.platform(),
            event.causationId(),
            event.traceparent(),
            event.data());
    return EventRow.of("lockstep.execution", 0, offset, copy, CODEC);
  }

  private static List<String> ids(List<EventRow> rows) {
    return rows.stream().map(EventRow::eventId).toList();
  }

  private static Instant base() {
    return Instant.parse("2026-11-22T08:00:00Z");
  }
}
