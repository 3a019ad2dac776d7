package dev.lockstep.recorder;

import static dev.lockstep.recorder.TestingRecorder.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.postgres.Postgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * While the event table cannot be written, the recorder commits no offset: once the table is back,
 * every event published during the outage is stored, once, and the projections catch up.
 */
class StoreOutageIT {
  private static final String DATABASE = "recorder_outage_it";

  @Test
  void eventsPublishedWhileTheStoreFailsAreStoredOnceItIsBack() throws Exception {
    String group = "recorder-outage-" + UUID.randomUUID();
    try (ApplicationContext context = TestingRecorder.start(DATABASE, true, group)) {
      TestingRecorder.awaitConsuming(context);
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      String jdbc = Postgres.shared().jdbcUrl(DATABASE);
      sql(jdbc, "ALTER TABLE events RENAME TO events_offline");

      TestingScenario scenario =
          TestingScenario.failedGateRolledBack(
              "outage-" + UUID.randomUUID(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
      List<EventEnvelope> events = scenario.events();
      context.getBean(EventPublisher.class).publishAndWait(events);
      await(
          "the recorder has failed to store a batch",
          () ->
              meters
                      .find("lockstep.recorder.batches.failed")
                      .tag("group", group)
                      .counters()
                      .stream()
                      .mapToDouble(Counter::count)
                      .sum()
                  >= 1);

      sql(jdbc, "ALTER TABLE events_offline RENAME TO events");
      EventStore store = context.getBean(EventStore.class);
      ProjectionStore projections = context.getBean(ProjectionStore.class);
      await(
          "every event is stored and the upgrade is rolled back",
          () ->
              store.countOf(scenario.platform) == events.size()
                  && projections
                      .find(scenario.upgradeId)
                      .map(v -> v.status().wire().equals("rolled-back"))
                      .orElse(false));
      assertThat(store.eventIdsOf(scenario.platform))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(events.stream().map(EventEnvelope::id).toList());
    }
  }

  private static void sql(String jdbcUrl, String statement) throws Exception {
    try (Connection connection = DriverManager.getConnection(jdbcUrl);
        Statement s = connection.createStatement()) {
      s.execute(statement);
    }
  }
}
