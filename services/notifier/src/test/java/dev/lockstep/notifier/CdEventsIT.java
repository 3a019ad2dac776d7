package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.manifest.Gate;
import dev.lockstep.notifier.cdevents.CdEventMapping;
import dev.lockstep.notifier.cdevents.TestingCdEventSchemas;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CDEvents reach a real HTTP endpoint (CloudEvents binary mode, with the bearer token from a
 * declared secret) and a Kafka topic on the real broker (structured mode) while the team's webhook
 * is told as usual: a gate failure followed by a rollback arrives as the right sequence of valid
 * CDEvents, in order, although the endpoint refused the first attempts; an event handled twice adds
 * no CDEvent; a mistake in the configuration stops the start with its reason.
 */
class CdEventsIT {
  private static final String TOKEN = "cdevents-token-7f3a9c";
  private static final String PLATFORM = TestingNotifier.unique("cdev");
  private static final String TOPIC = TestingNotifier.unique("cdevents.");
  private static String database;
  private static TestingReceiver sink;
  private static TestingReceiver webhook;
  private static ApplicationContext context;

  @BeforeAll
  static void start() throws Exception {
    sink = new TestingReceiver();
    webhook = new TestingReceiver();
    KafkaBroker.shared().createTopics(List.of(TOPIC), 1);
    String yaml =
        """
        channels:
          - { name: ops-hook, type: webhook, secretRefs: { url: HOOK_URL } }
        subscriptions:
          - { team: operators, filter: { platforms: [%s] }, channels: [ops-hook] }
        """
            .formatted(PLATFORM);
    database = TestingNotifier.database("notifier_cdevents");
    context =
        TestingNotifier.start(
            database,
            TestingNotifier.unique("notifier-cdevents"),
            TestingNotifier.subscriptions(yaml),
            Map.of(
                "lockstep.notifier.secrets.HOOK_URL",
                webhook.url() + "/hook",
                "lockstep.notifier.secrets.CDEVENTS_TOKEN",
                TOKEN,
                "lockstep.notifier.cdevents.http.url",
                sink.url() + "/cdevents",
                "lockstep.notifier.cdevents.http.token-secret",
                "CDEVENTS_TOKEN",
                "lockstep.notifier.cdevents.kafka.topic",
                TOPIC,
                "lockstep.notifier.cdevents.kafka.mode",
                "structured"));
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    if (sink != null) {
      sink.close();
    }
    if (webhook != null) {
      webhook.close();
    }
  }

  @Test
  void aGateFailureAndItsRollbackReachTheEndpointAndTheTopicInOrder() throws Exception {
    String upgrade = TestingNotifier.unique("up");
    String rollback = TestingNotifier.unique("rb");
    // The endpoint is down for the first three attempts: the CDEvents wait and keep their order,
    // and the team's webhook is told meanwhile.
    int before = sink.requests().size();
    sink.failNext(3);
    publish(
        upgrade, new PlanCreated(TestingNotifier.plan(PLATFORM, upgrade, null), "alice", null), 0);
    // The plan is kept before the upgrade starts (so its CDEvents name the release).
    webhook.await(r -> "plan.created".equals(r.headers().get("x-lockstep-event")), 1);
    publish(upgrade, new UpgradeStarted(upgrade, PLATFORM, PlanMode.UPGRADE, null, 2, 4), 1);
    webhook.await(r -> "upgrade.started".equals(r.headers().get("x-lockstep-event")), 1);
    publish(
        upgrade,
        new GateRequested(
            upgrade,
            PLATFORM,
            "w0-error-rate",
            0,
            new PlannedGate("error-rate", "prometheus", null, errorRate()),
            GatePurpose.VERIFY,
            Instant.now()),
        2);
    publish(
        upgrade,
        new GateFailed(
            upgrade, "w0-error-rate", "error-rate", "prometheus", "error rate 0.07", List.of()),
        3);
    EventEnvelope upgradeFailed =
        publish(
            upgrade,
            new UpgradeFailed(
                upgrade,
                PLATFORM,
                "gate w0-error-rate failed",
                null,
                "w0-error-rate",
                false,
                List.of()),
            4);
    publish(rollback, new UpgradeStarted(rollback, PLATFORM, PlanMode.ROLLBACK, upgrade, 1, 2), 5);
    // Handled twice (a redelivery, on the topic and partition of what follows, so handled before
    // it): no CDEvent is added.
    context.getBean(EventPublisher.class).publishAndWait(upgradeFailed);
    publish(
        rollback,
        new RollbackCompleted(
            rollback,
            upgrade,
            PLATFORM,
            List.of(
                new VersionChange("postgres", "cloud-kernel", "15.4.0", "15.3.0"),
                new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"))),
        8);

    List<TestingReceiver.Request> received = accepted();
    List<String> expected =
        List.of(
            "dev.cdevents.pipelinerun.started.0.2.0",
            "dev.cdevents.testcaserun.started.0.2.0",
            "dev.cdevents.testcaserun.finished.0.2.0",
            "dev.cdevents.pipelinerun.finished.0.2.0",
            "dev.cdevents.pipelinerun.started.0.2.0",
            "dev.cdevents.pipelinerun.finished.0.2.0",
            "dev.cdevents.service.rolledback.0.2.0",
            "dev.cdevents.service.rolledback.0.2.0");
    assertThat(received).extracting(r -> r.headers().get("ce-type")).isEqualTo(expected);
    List<TestingReceiver.Request> all = sink.requests();
    assertThat(all.subList(before, all.size()))
        .extracting(TestingReceiver.Request::status)
        .startsWith(503, 503, 503);
    List<JsonNode> bodies = new ArrayList<>();
    for (TestingReceiver.Request request : received) {
      assertThat(TestingCdEventSchemas.problems(request.body())).as(request.body()).isEmpty();
      JsonNode body = Json.mapper().readTree(request.body());
      bodies.add(body);
      assertThat(request.path()).isEqualTo("/cdevents");
      assertThat(request.headers())
          .containsEntry("ce-specversion", "1.0")
          .containsEntry("ce-id", body.at("/context/id").asText())
          .containsEntry("ce-source", "/lockstep/" + PLATFORM)
          .containsEntry("ce-subject", body.at("/subject/id").asText())
          .containsEntry("ce-time", body.at("/context/timestamp").asText())
          .containsEntry("content-type", "application/json")
          .containsEntry("authorization", "Bearer " + TOKEN);
    }
    assertThat(bodies)
        .extracting(b -> b.at("/subject/id").asText())
        .containsExactly(
            upgrade,
            upgrade + "/w0-error-rate",
            upgrade + "/w0-error-rate",
            upgrade,
            rollback,
            rollback,
            PLATFORM + "/postgres",
            PLATFORM + "/metis");
    assertThat(bodies.get(2).at("/subject/content/outcome").asText()).isEqualTo("fail");
    assertThat(bodies.get(3).at("/subject/content/outcome").asText()).isEqualTo("failure");
    assertThat(bodies.get(4).at("/subject/content/pipelineName").asText())
        .isEqualTo(CdEventMapping.ROLLBACK_PIPELINE);
    assertThat(bodies.get(5).at("/subject/content/outcome").asText()).isEqualTo("success");
    assertThat(bodies.get(0).at("/customData/release").asText()).isEqualTo("2.4.0");
    assertThat(bodies.get(0).at("/customData/upgradeId").asText()).isEqualTo(upgrade);
    assertThat(bodies.get(6).at("/subject/content/artifactId").asText())
        .isEqualTo("pkg:generic/postgres@15.3.0");

    List<ConsumerRecord<String, byte[]>> records = readTopic(expected.size());
    assertThat(records).extracting(ConsumerRecord::key).containsOnly(PLATFORM);
    List<String> onTopic = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      assertThat(header(record, "content-type")).isEqualTo("application/cloudevents+json");
      JsonNode cloudEvent = Json.mapper().readTree(record.value());
      assertThat(cloudEvent.path("specversion").asText()).isEqualTo("1.0");
      JsonNode data = cloudEvent.path("data");
      assertThat(TestingCdEventSchemas.problems(data.toString())).as(data.toString()).isEmpty();
      assertThat(cloudEvent.path("id").asText()).isEqualTo(data.at("/context/id").asText());
      onTopic.add(data.toString());
    }
    assertThat(records)
        .extracting(r -> Json.mapper().readTree(r.value()).path("type").asText())
        .isEqualTo(expected);
    assertThat(onTopic)
        .extracting(d -> Json.mapper().readTree(d).at("/context/id").asText())
        .isEqualTo(bodies.stream().map(b -> b.at("/context/id").asText()).toList());
    assertThat(webhook.requests().toString()).doesNotContain(TOKEN);
  }

  @Test
  void aMistakeInTheConfigurationStopsTheStartWithItsReason() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", TestingNotifier.SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.postgres.url", database);
    properties.put("lockstep.postgres.username", Postgres.shared().username());
    properties.put("lockstep.postgres.password", Postgres.shared().password());
    properties.put("lockstep.notifier.group", TestingNotifier.unique("notifier-bad"));
    properties.put("lockstep.notifier.cdevents.http.url", "ftp://sink.example.com/");
    properties.put("lockstep.notifier.cdevents.http.token-secret", "NOT_DECLARED");
    properties.put("lockstep.notifier.cdevents.kafka.topic", "lockstep.execution");
    properties.put("lockstep.notifier.cdevents.kafka.mode", "compact");

    assertThatThrownBy(() -> LockstepApplication.builder("notifier", properties).start().close())
        .rootCause()
        .hasMessageContaining("lockstep.notifier.cdevents")
        .hasMessageContaining("http.url must be an absolute http or https URL")
        .hasMessageContaining("http.token-secret 'NOT_DECLARED' is not one of")
        .hasMessageContaining("kafka.topic 'lockstep.execution' is one of Lockstep's own topics")
        .hasMessageContaining("kafka.mode 'compact' must be binary or structured");
  }

  /** Publishes an event and waits until the endpoint has accepted the CDEvents so far. */
  private static EventEnvelope publish(String upgradeId, EventPayload payload, int acceptedAfter)
      throws InterruptedException {
    EventEnvelope event = TestingNotifier.publish(context, PLATFORM, upgradeId, payload);
    // The notifier reads several topics; waiting keeps the test's events in the order it means.
    if (acceptedAfter > 0) {
      sink.await(CdEventsIT::acceptedOfThisPlatform, acceptedAfter);
    }
    return event;
  }

  private static Gate errorRate() {
    return new Gate(
        "error-rate",
        null,
        null,
        new Gate.PrometheusCheck(null, "sum(rate(http_errors_total[1m]))", "result < 0.01", null),
        null,
        null,
        "10s",
        3,
        1,
        null,
        null,
        null);
  }

  /**
   * The endpoint's accepted requests of this test's platform (the notifier also reads what other
   * tests of the run publish).
   */
  private static List<TestingReceiver.Request> accepted() {
    return sink.requests(CdEventsIT::acceptedOfThisPlatform);
  }

  private static boolean acceptedOfThisPlatform(TestingReceiver.Request request) {
    return request.status() == 200
        && ("/lockstep/" + PLATFORM).equals(request.headers().get("ce-source"));
  }

  private static void poll(
      KafkaConsumer<String, byte[]> reader, List<ConsumerRecord<String, byte[]>> found) {
    for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
      if (PLATFORM.equals(record.key())) {
        found.add(record);
      }
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<ConsumerRecord<String, byte[]>> readTopic(int count) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    props.put("group.id", TestingNotifier.unique("cdevents-reader"));
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> reader =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      reader.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        poll(reader, found);
      }
      // Anything more (a repeat) would arrive with the rest.
      poll(reader, found);
    }
    return found;
  }
}
