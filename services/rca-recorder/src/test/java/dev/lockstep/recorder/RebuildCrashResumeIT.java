package dev.lockstep.recorder;

import static dev.lockstep.recorder.TestingRecorder.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.recorder.ingest.Ingest;
import dev.lockstep.recorder.recovery.Recovery;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.postgres.Postgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A rebuild from Kafka that is cut short leaves no gap: a recorder killed ({@code kill -9})
 * half-way through its rebuild is followed by one that resumes from the offsets the first recorded,
 * not from 0, and ends with every event of the topics stored once; a rebuild that fails because its
 * table cannot be written is retried until it finishes, and the recorder is not ready meanwhile.
 */
class RebuildCrashResumeIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void aRecorderKilledMidRebuildIsFollowedByOneThatResumesWhereItStopped() throws Exception {
    String database = "recorder_rebuild_crash_it";
    TestingTopics log = TestingTopics.filled("rebuild-crash", 800);
    Postgres.shared().createDatabase(database);
    String jdbc = Postgres.shared().jdbcUrl(database);
    String group = "recorder-crash-" + UUID.randomUUID();

    Map<String, Object> properties = TestingRecorder.properties(database, group);
    properties.put("lockstep.recorder.ingest.topics", log.property());
    properties.put("lockstep.recorder.ingest.max-batch", 20);
    Path output = Path.of("target", "rebuild-crash-recorder.log");
    Files.createDirectories(output.getParent());
    Process first = launch(properties, output);
    long[] progress;
    try {
      Eventually.until(
          Duration.ofSeconds(120),
          Duration.ofMillis(20),
          () -> {
            long[] now = progress(jdbc);
            return now[1] > 0 && now[0] >= now[1] / 5;
          },
          () -> "the first recorder made no progress; its log: " + tail(output));
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    progress = progress(jdbc);
    long total = progress[1];
    long before = progress[0];
    assertThat(total).as("the rebuild's target").isEqualTo(log.eventIds.size());
    assertThat(before).as("the progress at the kill").isGreaterThan(0).isLessThan(total);
    assertThat(finished(jdbc)).as("the rebuild is recorded unfinished").isFalse();
    assertThat(storedPerPartition(jdbc, log))
        .as("each partition's recorded progress is exactly the rows stored from it")
        .isEqualTo(progressPerPartition(jdbc));

    Map<String, Object> again = new HashMap<>();
    again.put("lockstep.recorder.ingest.topics", log.property());
    try (ApplicationContext second = TestingRecorder.start(database, false, group, again)) {
      EmbeddedServer server = second.getBean(EmbeddedServer.class).start();
      Ingest ingest = TestingRecorder.awaitConsuming(second);

      assertThat(ingest.recovery().outcome()).isEqualTo(Recovery.Outcome.REBUILT);
      assertThat(rebuildRecords(second.getBean(MeterRegistry.class)))
          .as("records the second recorder read: only those the first had not stored")
          .isEqualTo(total - before);
      assertThat(storedIds(jdbc, log))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(log.eventIds);
      assertThat(finished(jdbc)).as("the rebuild is recorded finished").isTrue();
      assertThat(progress(jdbc)[0]).isEqualTo(total);
      ProjectionStore projections = second.getBean(ProjectionStore.class);
      for (TestingScenario scenario : List.of(log.scenarios.get(0), log.scenarios.get(799))) {
        assertThat(projections.find(scenario.upgradeId).map(v -> v.status().wire()))
            .contains("rolled-back");
      }
      assertThat(readiness(server)).isEqualTo(200);
    }
  }

  @Test
  void aRebuildThatCannotStoreIsRetriedAndTheRecorderIsNotReadyUntilItFinishes() throws Exception {
    String database = "recorder_rebuild_retry_it";
    TestingTopics log = TestingTopics.filled("rebuild-retry", 20);
    Postgres postgres = Postgres.shared();
    postgres.createDatabase(database);
    new Database(
            DatabaseSettings.of(
                postgres.host(),
                postgres.port(),
                database,
                postgres.username(),
                postgres.password()))
        .close();
    String jdbc = postgres.jdbcUrl(database);
    sql(jdbc, "ALTER TABLE events RENAME TO events_offline");

    Map<String, Object> more = new HashMap<>();
    more.put("lockstep.recorder.ingest.topics", log.property());
    try (ApplicationContext context =
        TestingRecorder.start(database, false, "recorder-retry-" + UUID.randomUUID(), more)) {
      EmbeddedServer server = context.getBean(EmbeddedServer.class).start();
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      Ingest ingest = context.getBean(Ingest.class);
      await(
          "the rebuild has failed twice",
          () -> counter(meters, "lockstep.recorder.rebuild.failures") >= 2);
      assertThat(ingest.consumer()).as("no live ingest over a gap").isNull();
      assertThat(ingest.recovery().phase()).isEqualTo(Recovery.Phase.RETRYING);
      assertThat(readiness(server)).isEqualTo(503);

      sql(jdbc, "ALTER TABLE events_offline RENAME TO events");
      TestingRecorder.awaitConsuming(context);
      assertThat(readiness(server)).isEqualTo(200);
      assertThat(storedIds(jdbc, log))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(log.eventIds);
      assertThat(finished(jdbc)).isTrue();
    }
  }

  @Test
  void anEventTheDatabaseRefusesIsLeftOutAndTheRebuildFinishes() throws Exception {
    String database = "recorder_rebuild_refused_it";
    TestingTopics log = TestingTopics.filled("rebuild-refused", 3);
    TestingScenario first = log.scenarios.get(0);
    // A NUL character: jsonb cannot hold it (SQLSTATE 22P05); the live consumer dead-lettered it.
    EventEnvelope refused =
        EventEnvelope.create(
            EventCatalog.standard(),
            "rebuild-it",
            first.platform,
            "upgrade-nul",
            new UpgradeCancelled("upgrade-nul", first.platform, "alice", "stop\u0000now", false),
            null,
            Clock.systemUTC());
    log.publish(refused);
    Postgres.shared().createDatabase(database);
    String jdbc = Postgres.shared().jdbcUrl(database);

    Map<String, Object> more = new HashMap<>();
    more.put("lockstep.recorder.ingest.topics", log.property());
    try (ApplicationContext context =
        TestingRecorder.start(database, false, "recorder-refused-" + UUID.randomUUID(), more)) {
      TestingRecorder.awaitConsuming(context);

      assertThat(storedIds(jdbc, log))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(log.eventIds)
          .doesNotContain(refused.id());
      assertThat(finished(jdbc)).isTrue();
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      assertThat(counter(meters, "lockstep.recorder.rebuild.failures")).isZero();
    }
  }

  /** Starts the recorder in a JVM of its own, so that it can be killed. */
  static Process launch(Map<String, Object> properties, Path output) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RecorderApplication.class.getName());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()))
        .start();
  }

  /** The rebuild's recorded progress and target, summed over the partitions (0, 0 before any). */
  private static long[] progress(String jdbc) {
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT coalesce(sum(next_offset), 0), coalesce(sum(target_offset), 0)"
                    + " FROM kafka_rebuild_partitions")) {
      result.next();
      return new long[] {result.getLong(1), result.getLong(2)};
    } catch (SQLException e) {
      return new long[] {0, 0}; // not migrated yet
    }
  }

  private static Map<String, Long> progressPerPartition(String jdbc) throws SQLException {
    return perPartition(
        jdbc, "SELECT topic, kafka_partition, next_offset FROM kafka_rebuild_partitions");
  }

  private static Map<String, Long> storedPerPartition(String jdbc, TestingTopics log)
      throws SQLException {
    Map<String, Long> stored = new HashMap<>();
    for (String topic : log.topics) {
      for (int partition = 0; partition < TestingTopics.PARTITIONS; partition++) {
        stored.put(topic + "-" + partition, 0L);
      }
    }
    stored.putAll(
        perPartition(
            jdbc,
            "SELECT topic, kafka_partition, count(*) FROM events WHERE topic LIKE '"
                + log.like()
                + "' GROUP BY topic, kafka_partition"));
    return stored;
  }

  private static Map<String, Long> perPartition(String jdbc, String query) throws SQLException {
    Map<String, Long> values = new HashMap<>();
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(query)) {
      while (result.next()) {
        values.put(result.getString(1) + "-" + result.getInt(2), result.getLong(3));
      }
    }
    return values;
  }

  private static boolean finished(String jdbc) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery("SELECT finished_at IS NOT NULL FROM kafka_rebuild")) {
      return result.next() && result.getBoolean(1);
    }
  }

  static List<String> storedIds(String jdbc, TestingTopics log) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT event_id FROM events WHERE topic LIKE '" + log.like() + "'")) {
      while (result.next()) {
        ids.add(result.getString(1));
      }
    }
    return ids;
  }

  static double rebuildRecords(MeterRegistry meters) {
    return counter(meters, "lockstep.recorder.rebuild.records");
  }

  static double counter(MeterRegistry meters, String name) {
    return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  static int readiness(EmbeddedServer server) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(server.getURL() + "/health/readiness")).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static void sql(String jdbc, String statement) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement s = connection.createStatement()) {
      s.execute(statement);
    }
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
