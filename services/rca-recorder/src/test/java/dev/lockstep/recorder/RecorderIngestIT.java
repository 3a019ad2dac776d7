package dev.lockstep.recorder;

import static dev.lockstep.recorder.TestingRecorder.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.Topics;
import dev.lockstep.recorder.ingest.Ingest;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.projection.ViewJson;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.runtime.kafka.DeadLetters;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The recorder against the real broker and the real PostgreSQL: a multi-service scenario published
 * by the test (with redeliveries and a malformed record) is stored exactly once, served by the API,
 * dead-letters what it cannot read, and reaches the same projections after a rebuild from the table
 * and after a rebuild from Kafka into a fresh database.
 */
class RecorderIngestIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String DATABASE = "recorder_ingest_it";

  private static ApplicationContext context;
  private static EmbeddedServer server;
  private static String group;
  private static String token;
  private static TestingScenario scenario;
  private static Set<String> publishedIds;

  @BeforeAll
  static void recordAScenario() throws Exception {
    group = "recorder-it-" + UUID.randomUUID();
    context = TestingRecorder.start(DATABASE, true, group);
    TestingRecorder.awaitConsuming(context);
    server = context.getBean(EmbeddedServer.class).start();
    token =
        context
            .getBean(TokenIssuer.class)
            .issue("dana", List.of(Roles.VIEWER), Duration.ofMinutes(30));
    String platform = "rec-" + UUID.randomUUID();
    scenario =
        TestingScenario.failedGateRolledBack(
            platform, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(120));
    List<EventEnvelope> events = scenario.events();
    publishedIds = new HashSet<>();
    events.forEach(e -> publishedIds.add(e.id()));
    EventPublisher publisher = context.getBean(EventPublisher.class);
    publisher.publishAndWait(events);
    // Redeliveries: a producer retry or a replaying service publishes some events again.
    publisher.publishAndWait(events.subList(0, 5));
    publisher.publishAndWait(events.get(events.size() - 1));
    publishMalformed(platform);

    EventStore store = context.getBean(EventStore.class);
    MeterRegistry meters = context.getBean(MeterRegistry.class);
    await(
        "every event is stored, the redeliveries seen and the malformed record dead-lettered",
        () ->
            store.countOf(platform) == events.size()
                && counter(meters, "lockstep.events.duplicates") >= 6
                && counter(meters, "lockstep.events.deadlettered") >= 1
                && statusOf(scenario.upgradeId).equals("rolled-back"),
        () ->
            "stored "
                + store.countOf(platform)
                + " of "
                + events.size()
                + ", duplicates "
                + counter(meters, "lockstep.events.duplicates")
                + ", dead-lettered "
                + counter(meters, "lockstep.events.deadlettered")
                + ", status "
                + statusOf(scenario.upgradeId));
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void everyEventIsStoredExactlyOnceRedeliveriesIncluded() {
    EventStore store = context.getBean(EventStore.class);
    List<String> stored = store.eventIdsOf(scenario.platform);

    assertThat(stored).doesNotHaveDuplicates();
    assertThat(new HashSet<>(stored)).isEqualTo(publishedIds);
  }

  @Test
  void aRestartedRecorderThatReadsEverythingAgainStoresNothingTwice() throws Exception {
    // A new group reads every topic from offset 0 again: every event is redelivered.
    String again = "recorder-it-again-" + UUID.randomUUID();
    try (ApplicationContext second = TestingRecorder.start(DATABASE, false, again)) {
      MeterRegistry meters = second.getBean(MeterRegistry.class);
      Ingest ingest = second.getBean(Ingest.class);
      int size = scenario.events().size();
      await(
          "the second recorder has seen this platform's events again",
          () ->
              ingest.consumer() != null
                  && ingest.consumer().assigned()
                  && meters
                          .find("lockstep.events.duplicates")
                          .tag("group", again)
                          .counters()
                          .stream()
                          .mapToDouble(Counter::count)
                          .sum()
                      >= size);
      assertThat(second.getBean(EventStore.class).eventIdsOf(scenario.platform))
          .doesNotHaveDuplicates()
          .hasSize(size);
    }
  }

  @Test
  void theUpgradeShowsItsStatusVersionTableAndWhoAskedForIt() throws Exception {
    JsonNode upgrade = json(get("/api/v1/upgrades/" + scenario.upgradeId));

    assertThat(upgrade.get("status").asText()).isEqualTo("rolled-back");
    assertThat(upgrade.get("mode").asText()).isEqualTo("upgrade");
    assertThat(upgrade.get("requestedBy").asText()).isEqualTo(TestingScenario.REQUESTED_BY);
    assertThat(upgrade.get("reason").asText()).isEqualTo(TestingScenario.REASON);
    assertThat(upgrade.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    List<String> versions = new ArrayList<>();
    upgrade
        .get("versions")
        .forEach(
            v ->
                versions.add(
                    v.get("component").asText()
                        + " "
                        + v.get("from").asText()
                        + "->"
                        + v.get("to").asText()
                        + " "
                        + v.get("state").asText()));
    assertThat(versions)
        .containsExactly(
            "postgres 15.3.0->15.4.0 rolled-back",
            "metis 2.3.1->2.4.0 rolled-back",
            "notebooks 1.8.2->2.0.0 not-started");
    upgrade.get("steps").forEach(step -> assertThat(step.get("requestedBy").isNull()).isFalse());

    JsonNode list =
        json(get("/api/v1/upgrades?platform=" + scenario.platform + "&status=rolled-back"));
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("upgradeId").asText()).isEqualTo(scenario.upgradeId);
    JsonNode rollbacks =
        json(get("/api/v1/upgrades?platform=" + scenario.platform + "&mode=rollback"));
    assertThat(rollbacks).hasSize(1);
    assertThat(rollbacks.get(0).get("status").asText()).isEqualTo("completed");
  }

  @Test
  void itsEventsComeBackAsCloudEventsInLogOrder() throws Exception {
    JsonNode events = json(get("/api/v1/upgrades/" + scenario.upgradeId + "/events"));

    List<String> ids = new ArrayList<>();
    events.forEach(e -> ids.add(e.get("id").asText()));
    assertThat(ids)
        .containsExactlyElementsOf(scenario.events().stream().map(EventEnvelope::id).toList());
    JsonNode first = events.get(0);
    assertThat(first.get("type").asText()).isEqualTo("dev.lockstep.upgrade.requested");
    assertThat(first.get("dataschema").asText())
        .isEqualTo("urn:lockstep:schema:dev.lockstep.upgrade.requested:v3");
    assertThat(first.get("source").asText()).isEqualTo("urn:lockstep:platform-service");
    assertThat(first.get("subject").asText()).isEqualTo(scenario.upgradeId);
    assertThat(first.get("time").asText()).isEqualTo(scenario.at(0).toString());
    assertThat(first.get("data").get("requestedBy").asText())
        .isEqualTo(TestingScenario.REQUESTED_BY);
  }

  @Test
  void theTimelineAndThePostMortemHoldTheFailedGateAndBothDurations() throws Exception {
    JsonNode timeline = json(get("/api/v1/upgrades/" + scenario.upgradeId + "/timeline"));
    List<String> phases = new ArrayList<>();
    timeline
        .get("phases")
        .forEach(p -> phases.add(p.get("name").asText() + " " + p.get("outcome").asText()));
    assertThat(phases).contains("gate error-rate failed", "wave 1 (core-kernel) failed");

    String submitter =
        context
            .getBean(TokenIssuer.class)
            .issue("dana", List.of(Roles.SUBMITTER), Duration.ofMinutes(30));
    HttpResponse<String> byAViewer =
        send(
            HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId + "/notes"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"a viewer's graffiti\"}"))
                .build());
    assertThat(byAViewer.statusCode()).as("a viewer may read notes, not write them").isEqualTo(403);
    HttpResponse<String> added =
        send(
            HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId + "/notes"))
                .header("Authorization", "Bearer " + submitter)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"text\":\"metis 2.4.0 doubles the error rate\"}"))
                .build());
    assertThat(added.statusCode()).isEqualTo(201);
    assertThat(json(added.body()).get("author").asText()).isEqualTo("dana");

    HttpResponse<String> markdown = get("/api/v1/upgrades/" + scenario.upgradeId + "/postmortem");
    assertThat(markdown.statusCode()).isEqualTo(200);
    assertThat(markdown.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/markdown");
    assertThat(markdown.body())
        .contains("Gate **error-rate** (prometheus, w1-error-rate) failed")
        .contains("| 1 | failed | 0.042 | result < 0.01 is false |")
        .contains("**Time to detect** (change to failed verdict): 7s")
        .contains("**Time to roll back** (verdict to platform restored): 11s")
        .contains("| data-platform | slack:#data-platform | dev.lockstep.gate.failed | delivered |")
        .contains("| data-platform | feed | dev.lockstep.gate.failed | delivered |")
        .contains("| sre | feed | dev.lockstep.gate.failed | delivered |")
        .contains("| notebooks | 1.8.2 | 2.0.0 | not-started |")
        .contains("dana: metis 2.4.0 doubles the error rate")
        .doesNotContain("a viewer's graffiti")
        .contains("4bf92f3577b34da6a3ce929d0e0e4736");

    HttpResponse<String> html =
        send(
            HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId + "/postmortem"))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/html")
                .build());
    assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(html.body()).contains("<td>result &lt; 0.01 is false</td>").contains("11s");
  }

  @Test
  void theReplayStreamsTheLogWithItsOriginalTiming() throws Exception {
    HttpResponse<String> replay = get("/api/v1/upgrades/" + scenario.upgradeId + "/replay");

    assertThat(replay.statusCode()).isEqualTo(200);
    String[] lines = replay.body().strip().split("\n");
    assertThat(lines).hasSize(scenario.events().size());
    assertThat(json(lines[0]).get("offsetMillis").asLong()).isZero();
    JsonNode last = json(lines[lines.length - 1]);
    assertThat(last.get("offsetMillis").asLong()).isEqualTo(25_000);
    assertThat(last.get("event").get("type").asText()).isEqualTo("dev.lockstep.rollback.completed");
    JsonNode events = json(get("/api/v1/upgrades/" + scenario.upgradeId + "/events"));
    for (int i = 0; i < lines.length; i++) {
      assertThat(json(lines[i]).get("event")).as("line %d", i).isEqualTo(events.get(i));
    }
  }

  @Test
  void badRequestsGetClearErrorsAndNoTokenGetsNothing() throws Exception {
    HttpResponse<String> missing = get("/api/v1/upgrades/no-such-upgrade");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing.body()).get("errors").get(0).get("code").asText())
        .isEqualTo("not-found");

    HttpResponse<String> badStatus = get("/api/v1/upgrades?status=exploded");
    assertThat(badStatus.statusCode()).isEqualTo(400);
    assertThat(json(badStatus.body()).get("errors").get(0).get("path").asText())
        .isEqualTo("status");

    String submitter =
        context
            .getBean(TokenIssuer.class)
            .issue("ops", List.of(Roles.SUBMITTER), Duration.ofMinutes(30));
    for (String body :
        List.of(
            "{\"text\":\"  \"}",
            "{\"text\":\"ok\",\"author\":\"somebody else\"}",
            "{\"text\":\"nul \\u0000 inside\"}",
            "[\"text\"]",
            "null")) {
      HttpResponse<String> refused =
          send(
              HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId + "/notes"))
                  .header("Authorization", "Bearer " + submitter)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build());
      assertThat(refused.statusCode()).as(body).isEqualTo(400);
      assertThat(json(refused.body()).get("errors").get(0).get("code").asText())
          .as(body)
          .isEqualTo("invalid-request");
    }
    // every problem of a body at once
    HttpResponse<String> twoProblems =
        send(
            HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId + "/notes"))
                .header("Authorization", "Bearer " + submitter)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":42,\"extra\":[1]}"))
                .build());
    assertThat(twoProblems.statusCode()).isEqualTo(400);
    List<String> paths = new ArrayList<>();
    json(twoProblems.body()).get("errors").forEach(e -> paths.add(e.get("path").asText()));
    assertThat(paths).containsExactlyInAnyOrder("extra", "text");
    assertThat(get("/api/v1/upgrades/" + scenario.upgradeId + "/notes").body())
        .doesNotContain("somebody else")
        .doesNotContain("nul ");

    HttpResponse<String> anonymous =
        send(HttpRequest.newBuilder(uri("/api/v1/upgrades/" + scenario.upgradeId)).build());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void aMalformedRecordIsDeadLetteredWithItsReasonAndCounted() throws Exception {
    MeterRegistry meters = context.getBean(MeterRegistry.class);
    assertThat(counter(meters, "lockstep.events.deadlettered")).isEqualTo(1.0);

    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("enable.auto.commit", false);
    List<String> reasons = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.DEADLETTER).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await(
          "the dead-letter topic holds the record",
          () -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              if (group.equals(header(record, DeadLetters.CONSUMER_GROUP))) {
                reasons.add(
                    header(record, DeadLetters.REASON_CODE)
                        + " from "
                        + header(record, DeadLetters.SOURCE_TOPIC));
              }
            }
            return !reasons.isEmpty();
          });
    }
    assertThat(reasons).containsExactly("malformed-envelope from " + Topics.EXECUTION);
  }

  @Test
  void projectionsAreTheSameAfterARebuildFromTheTable() throws Exception {
    ProjectionStore projections = context.getBean(ProjectionStore.class);
    String before = viewsOf(projections);
    context
        .getBean(dev.lockstep.recorder.store.Database.class)
        .withSession(
            s -> s.update("DELETE FROM upgrades WHERE platform = $1", List.of(scenario.platform)));
    assertThat(get("/api/v1/upgrades/" + scenario.upgradeId).statusCode()).isEqualTo(404);

    String submitter =
        context
            .getBean(TokenIssuer.class)
            .issue("ops", List.of(Roles.SUBMITTER), Duration.ofMinutes(5));
    HttpResponse<String> rebuilt =
        send(
            HttpRequest.newBuilder(uri("/api/v1/projections/rebuild"))
                .header("Authorization", "Bearer " + submitter)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(rebuilt.statusCode()).isEqualTo(200);

    assertThat(viewsOf(projections)).isEqualTo(before);
  }

  @Test
  void projectionsAreTheSameAfterARebuildFromKafkaIntoAFreshDatabase() throws Exception {
    String before = viewsOf(context.getBean(ProjectionStore.class));
    String recovered = "recorder_ingest_it_dr";
    try (ApplicationContext dr =
        TestingRecorder.start(recovered, true, "recorder-dr-" + UUID.randomUUID())) {
      // The table was empty: the rebuild runs first, and live ingest starts when it has finished.
      TestingRecorder.awaitConsuming(dr);
      assertThat(dr.getBean(EventStore.class).eventIdsOf(scenario.platform))
          .containsExactlyInAnyOrderElementsOf(publishedIds);
      assertThat(viewsOf(dr.getBean(ProjectionStore.class))).isEqualTo(before);
    }
  }

  private static String viewsOf(ProjectionStore projections) {
    List<UpgradeView> views = new ArrayList<>();
    projections.find(scenario.upgradeId).ifPresent(views::add);
    projections.find(scenario.rollbackId).ifPresent(views::add);
    assertThat(views).hasSize(2);
    return ViewJson.write(views);
  }

  private static void publishMalformed(String platform) {
    Properties props = new Properties();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(
              Topics.EXECUTION, platform, "{not a cloudevent".getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
  }

  private static double counter(MeterRegistry meters, String name) {
    return meters.find(name).tag("group", group).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private static String header(ConsumerRecord<?, ?> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String statusOf(String upgradeId) {
    return context
        .getBean(ProjectionStore.class)
        .find(upgradeId)
        .map(v -> v.status().wire())
        .orElse("");
  }

  private static URI uri(String path) {
    return URI.create(server.getURL() + path);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(
        HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response.body());
  }

  private static JsonNode json(String body) throws Exception {
    return Json.mapper().readTree(body);
  }
}
