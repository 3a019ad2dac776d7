package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.projection.UpgradeFold;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Several recorder instances in one consumer group share ingest while upgrades stream in: one
 * instance first, two more join mid-stream, one leaves cleanly and one is killed ({@code kill -9},
 * a process of its own). In the end every event is stored once and every projection (status,
 * version table, steps, gates, notifications, event count) is what a single instance folds from the
 * same events: no projection is left behind by two instances refreshing one upgrade at once.
 */
class RecorderInstancesIT {
  private static final int PLATFORMS = 6;
  private static final int SCENARIOS_PER_CHUNK = 3;

  @Test
  void instancesJoiningLeavingAndKilledMidStreamStoreEachEventOnceAndProjectAsOne()
      throws Exception {
    String database = "recorder_instances_it";
    TestingTopics log = TestingTopics.empty("instances");
    Postgres.shared().createDatabase(database);
    String jdbc = Postgres.shared().jdbcUrl(database);
    String group = "recorder-instances-" + UUID.randomUUID();
    Map<String, Object> more = new HashMap<>();
    more.put("lockstep.recorder.ingest.topics", log.property());
    more.put("lockstep.recorder.ingest.max-batch", 8);
    // A killed member's partitions move after its session has run out: 6 s, the broker's minimum.
    more.put("lockstep.kafka.properties.session.timeout.ms", "6000");
    more.put("lockstep.kafka.properties.heartbeat.interval.ms", "1000");

    Stream stream = new Stream(log);
    ApplicationContext a = null;
    ApplicationContext b = null;
    Process c = null;
    Path cLog = Path.of("target", "recorder-instances-c.log");
    Files.createDirectories(cLog.getParent());
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
      stream.chunk();
      a = TestingRecorder.start(database, false, group, more);
      TestingRecorder.awaitConsuming(a);
      stream.start();

      Map<String, Object> cProperties = TestingRecorder.properties(database, group);
      cProperties.putAll(more);
      c = RebuildCrashResumeIT.launch(cProperties, cLog);
      b = TestingRecorder.start(database, false, group, more);
      TestingRecorder.awaitConsuming(b);
      Process cProcess = c;
      awaitMembers(admin, group, 3, () -> "instance C's log: " + RebuildCrashResumeIT.tail(cLog));
      stream.atLeast(stream.chunks() + 3);

      b.close();
      b = null;
      awaitMembers(admin, group, 2, () -> "");
      // An operator rebuilds the projections from the table while the others ingest.
      a.getBean(Projector.class).rebuild();
      stream.atLeast(stream.chunks() + 3);
      a.getBean(Projector.class).rebuild();

      cProcess.destroyForcibly();
      cProcess.waitFor(30, TimeUnit.SECONDS);
      stream.atLeast(stream.chunks() + 3);
      stream.stop();

      awaitCaughtUp(admin, group, log);
      assertThat(RebuildCrashResumeIT.storedIds(jdbc, log))
          .as("every event of the stream stored once")
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(log.eventIds);

      Map<String, String> shared = views(jdbc, log);
      List<String> upgrades = new ArrayList<>();
      log.scenarios.forEach(s -> upgrades.addAll(List.of(s.upgradeId, s.rollbackId)));
      assertThat(shared.keySet())
          .as("one projection per upgrade and per rollback")
          .containsExactlyInAnyOrderElementsOf(upgrades);
      Map<String, String> statuses = statuses(jdbc, log);
      for (TestingScenario scenario : log.scenarios) {
        assertThat(statuses.get(scenario.upgradeId))
            .as("the status of %s", scenario.upgradeId)
            .isEqualTo("rolled-back");
      }

      a.getBean(Projector.class).rebuild();
      assertThat(shared)
          .as("every projection as one instance folds it from the stored events")
          .isEqualTo(views(jdbc, log));
    } finally {
      stream.stop();
      if (c != null) {
        c.destroyForcibly();
      }
      if (b != null) {
        b.close();
      }
      if (a != null) {
        a.close();
      }
    }
  }

  @Test
  void aFoldFromFewerEventsArrivingLateNeverTakesTheProjectionBack() {
    String database = "recorder_stale_fold_it";
    Postgres postgres = Postgres.shared();
    postgres.createDatabase(database);
    TestingScenario scenario =
        TestingScenario.failedGateRolledBack("stale-fold", Instant.parse("2026-01-05T10:00:00Z"));
    List<EventEnvelope> all = scenario.events();
    List<EventEnvelope> early = all.subList(0, 10);
    UpgradeView complete = UpgradeFold.fold(scenario.upgradeId, all).orElseThrow();
    UpgradeView stale = UpgradeFold.fold(scenario.upgradeId, early).orElseThrow();
    assertThat(stale.status().wire()).isNotEqualTo("rolled-back");
    try (Database store =
        new Database(
            DatabaseSettings.of(
                postgres.host(),
                postgres.port(),
                database,
                postgres.username(),
                postgres.password()))) {
      ProjectionStore projections = new ProjectionStore(store);
      projections.upsert(List.of(new ProjectionStore.Folded(stale, early.size())));
      projections.upsert(List.of(new ProjectionStore.Folded(complete, all.size())));
      // An instance that read the table before the last batches were committed (or woke from a
      // pause after its partitions moved) writes its fold last.
      projections.upsert(List.of(new ProjectionStore.Folded(stale, early.size())));
      assertThat(projections.find(scenario.upgradeId).orElseThrow())
          .as("the projection after a late fold from fewer events")
          .isEqualTo(complete);
      assertThat(projections.list(scenario.platform, "rolled-back", null, 10))
          .extracting(UpgradeView::upgradeId)
          .containsExactly(scenario.upgradeId);
    }
  }

  /**
   * Publishes failed-and-rolled-back upgrades, a few at a time, on a handful of platforms (so each
   * platform has several upgrades) until stopped.
   */
  private static final class Stream {
    private final TestingTopics log;
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(7200);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile int chunks;
    private int next;
    private CompletableFuture<Void> thread;

    Stream(TestingTopics log) {
      this.log = log;
    }

    synchronized void chunk() {
      List<TestingScenario> scenarios = new ArrayList<>();
      for (int i = 0; i < SCENARIOS_PER_CHUNK; i++, next++) {
        scenarios.add(
            TestingScenario.failedGateRolledBack(
                log.platform(next % PLATFORMS), start.plusSeconds(next)));
      }
      log.publishAll(scenarios);
      chunks++;
    }

    void start() {
      thread =
          CompletableFuture.runAsync(
              () -> {
                try {
                  while (running.get()) {
                    chunk();
                    Thread.sleep(100);
                  }
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
    }

    int chunks() {
      return chunks;
    }

    /** Waits until that many chunks have been published. */
    void atLeast(int count) throws InterruptedException {
      TestingRecorder.await(
          count + " chunks published",
          () -> chunks >= count || failure.get() != null,
          () -> String.valueOf(failure.get()));
      assertThat(failure.get()).as("the stream's publisher").isNull();
    }

    void stop() throws Exception {
      running.set(false);
      if (thread != null) {
        thread.get(30, TimeUnit.SECONDS);
      }
      assertThat(failure.get()).as("the stream's publisher").isNull();
    }
  }

  private static void awaitMembers(
      Admin admin, String group, int members, java.util.function.Supplier<String> state)
      throws InterruptedException {
    Eventually.until(
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        () -> {
          ConsumerGroupDescription description =
              ask(() -> admin.describeConsumerGroups(List.of(group)).all().get().get(group));
          return description.members().size() == members
              && description.members().stream()
                  .allMatch(m -> !m.assignment().topicPartitions().isEmpty());
        },
        () -> "the group never had " + members + " members with partitions; " + state.get());
  }

  /** Waits until the group has committed every partition of the topics up to its end. */
  private static void awaitCaughtUp(Admin admin, String group, TestingTopics log)
      throws InterruptedException {
    Eventually.until(
        Duration.ofSeconds(60),
        Duration.ofMillis(200),
        () -> {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          for (String topic : log.topics) {
            for (int p = 0; p < TestingTopics.PARTITIONS; p++) {
              latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
          }
          Map<TopicPartition, Long> ends =
              ask(() -> admin.listOffsets(latest).all().get()).entrySet().stream()
                  .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
          Map<TopicPartition, OffsetAndMetadata> committed =
              ask(
                  () ->
                      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
          Set<TopicPartition> partitions = ends.keySet();
          return partitions.stream()
              .allMatch(
                  tp ->
                      ends.get(tp) == 0
                          || (committed.get(tp) != null
                              && committed.get(tp).offset() == ends.get(tp)));
        },
        () -> "the group never caught up with the topics");
  }

  /** An admin call's answer; a failed call fails the test. */
  private static <T> T ask(Callable<T> call) {
    try {
      return call.call();
    } catch (Exception e) {
      throw new IllegalStateException("the broker did not answer", e);
    }
  }

  /** The stored projections of the topics' platforms: upgrade id to the view as JSON. */
  private static Map<String, String> views(String jdbc, TestingTopics log) throws SQLException {
    return column(jdbc, log, "view::text");
  }

  private static Map<String, String> statuses(String jdbc, TestingTopics log) throws SQLException {
    return column(jdbc, log, "status");
  }

  private static Map<String, String> column(String jdbc, TestingTopics log, String column)
      throws SQLException {
    Map<String, String> values = new TreeMap<>();
    try (Connection connection = DriverManager.getConnection(jdbc);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT upgrade_id, "
                    + column
                    + " FROM upgrades WHERE platform LIKE '"
                    + log.platform(0).replaceAll("0$", "")
                    + "%'")) {
      while (result.next()) {
        values.put(result.getString(1), result.getString(2));
      }
    }
    return values;
  }
}
