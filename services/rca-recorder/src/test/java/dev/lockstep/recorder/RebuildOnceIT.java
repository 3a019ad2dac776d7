package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.recorder.ingest.Ingest;
import dev.lockstep.recorder.recovery.Recovery;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import dev.lockstep.testkit.postgres.Postgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Two recorder instances started at once on an empty database never race: exactly one rebuilds from
 * Kafka while the other waits for it before consuming, and both end serving the whole store, each
 * event stored once.
 */
class RebuildOnceIT {
  private static final String DATABASE = "recorder_rebuild_once_it";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void twoInstancesStartedAtOnceRebuildOnceAndBothServeTheWholeStore() throws Exception {
    TestingTopics log = TestingTopics.filled("rebuild-once", 400);
    Postgres.shared().createDatabase(DATABASE);
    String jdbc = Postgres.shared().jdbcUrl(DATABASE);
    String group = "recorder-once-" + UUID.randomUUID();
    Map<String, Object> properties =
        Map.of(
            "lockstep.recorder.ingest.topics",
            log.property(),
            "lockstep.recorder.ingest.max-batch",
            25);

    List<ApplicationContext> recorders = new ArrayList<>();
    ExecutorService starting = Executors.newFixedThreadPool(2);
    try {
      List<CompletableFuture<ApplicationContext>> started = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        started.add(
            CompletableFuture.supplyAsync(
                () -> TestingRecorder.start(DATABASE, false, group, properties), starting));
      }
      for (CompletableFuture<ApplicationContext> recorder : started) {
        recorders.add(recorder.get());
      }
      List<Recovery.Outcome> outcomes = new ArrayList<>();
      List<Double> read = new ArrayList<>();
      for (ApplicationContext recorder : recorders) {
        EmbeddedServer server = recorder.getBean(EmbeddedServer.class).start();
        Ingest ingest = TestingRecorder.awaitConsuming(recorder);
        outcomes.add(ingest.recovery().outcome());
        read.add(RebuildCrashResumeIT.rebuildRecords(recorder.getBean(MeterRegistry.class)));
        assertThat(RebuildCrashResumeIT.readiness(server)).isEqualTo(200);
      }

      assertThat(outcomes)
          .as("one instance rebuilt, the other waited for it")
          .containsExactlyInAnyOrder(Recovery.Outcome.REBUILT, Recovery.Outcome.REBUILT_BY_ANOTHER);
      assertThat(read)
          .as("records each instance's rebuild read")
          .containsExactlyInAnyOrder((double) log.eventIds.size(), 0.0);
      assertThat(RebuildCrashResumeIT.storedIds(jdbc, log))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(log.eventIds);
      TestingScenario last = log.scenarios.get(log.scenarios.size() - 1);
      for (ApplicationContext recorder : recorders) {
        String token =
            recorder
                .getBean(TokenIssuer.class)
                .issue("dana", List.of(Roles.VIEWER), Duration.ofMinutes(5));
        HttpResponse<String> events =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            recorder.getBean(EmbeddedServer.class).getURL()
                                + "/api/v1/upgrades/"
                                + last.upgradeId
                                + "/events"))
                    .header("Authorization", "Bearer " + token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(events.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Json.mapper().readTree(events.body()).forEach(e -> ids.add(e.get("id").asText()));
        assertThat(ids)
            .as("the last upgrade's events, served by each instance")
            .containsExactlyElementsOf(last.events().stream().map(EventEnvelope::id).toList());
      }
    } finally {
      recorders.forEach(ApplicationContext::close);
      starting.shutdownNow();
    }
  }
}
