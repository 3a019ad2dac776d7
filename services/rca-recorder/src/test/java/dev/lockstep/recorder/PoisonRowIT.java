package dev.lockstep.recorder;

import static dev.lockstep.recorder.TestingRecorder.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.recorder.ingest.Ingest;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.kafka.DeadLetters;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An event PostgreSQL refuses for its data (a NUL character, {@code \u0000}, in a string: jsonb
 * cannot hold it, SQLSTATE 22P05) is dead-lettered with the reason, while the events around it in
 * the same batch are stored and the recorder carries on.
 *
 * <p>The events go to a topic of this test only: a refused event on the shared topics would be met
 * again by every later test that rebuilds a fresh store from Kafka.
 */
class PoisonRowIT {
  private static final String DATABASE = "recorder_poison_it";

  @Test
  void anEventTheDatabaseRefusesIsDeadLetteredAndTheEventsAroundItAreStored() throws Exception {
    String group = "recorder-poison-" + UUID.randomUUID();
    String topic = "lockstep.poison-it-" + UUID.randomUUID();
    KafkaBroker.shared().createTopics(List.of(topic), 1);
    String platform = "poison-" + UUID.randomUUID();
    TestingScenario scenario =
        TestingScenario.failedGateRolledBack(
            platform, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
    List<EventEnvelope> good = scenario.events();
    EventEnvelope refused = cancelled(platform, "upgrade-nul", "stop\u0000now");
    List<EventEnvelope> batch = new ArrayList<>(good);
    batch.add(good.size() / 2, refused);
    EventCodec codec = new EventCodec(EventCatalog.standard());
    // Published before the recorder starts: its first poll holds them all, one batch.
    publish(codec, topic, batch);

    try (ApplicationContext context = start(group, topic)) {
      EventStore store = context.getBean(EventStore.class);
      await(
          "every event but the refused one is stored",
          () -> store.countOf(platform) == good.size(),
          () -> "stored " + store.countOf(platform) + " of " + good.size());

      assertThat(store.eventIdsOf(platform))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(good.stream().map(EventEnvelope::id).toList());
      List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(group, 1);
      assertThat(dead).hasSize(1);
      assertThat(header(dead.get(0), "ce_id")).isEqualTo(refused.id());
      assertThat(header(dead.get(0), DeadLetters.REASON_CODE)).isEqualTo("handler-refused");
      assertThat(header(dead.get(0), DeadLetters.REASON))
          .contains(refused.id())
          .contains("SQLSTATE 22");
      assertThat(header(dead.get(0), DeadLetters.SOURCE_TOPIC)).isEqualTo(topic);

      EventEnvelope after = cancelled(platform, "upgrade-after", "changed our minds");
      publish(codec, topic, List.of(after));
      await(
          "the recorder carries on with the next event",
          () -> store.eventIdsOf(platform).contains(after.id()));
      Ingest ingest = context.getBean(Ingest.class);
      assertThat(ingest.consumer().consuming()).isTrue();
      assertThat(ingest.consumer().retrying()).isZero();
    }
  }

  private static ApplicationContext start(String group, String topic) {
    Postgres postgres = Postgres.shared();
    postgres.createDatabase(DATABASE);
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", TestingRecorder.SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.recorder.database.host", postgres.host());
    properties.put("lockstep.recorder.database.port", postgres.port());
    properties.put("lockstep.recorder.database.name", DATABASE);
    properties.put("lockstep.recorder.database.username", postgres.username());
    properties.put("lockstep.recorder.database.password", postgres.password());
    properties.put("lockstep.recorder.ingest.group", group);
    properties.put("lockstep.recorder.ingest.topics", List.of(topic));
    properties.put("lockstep.recorder.ingest.rebuild-when-empty", false);
    return LockstepApplication.builder("rca-recorder", properties).start();
  }

  private static EventEnvelope cancelled(String platform, String upgradeId, String reason) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "poison-it",
        platform,
        upgradeId,
        new UpgradeCancelled(upgradeId, platform, "alice", reason, false),
        null,
        Clock.systemUTC());
  }

  /** Sends the events, as their producers would, to the test's topic, in one producer batch. */
  private static void publish(EventCodec codec, String topic, List<EventEnvelope> events)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("linger.ms", 200);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (EventEnvelope event : events) {
        ProducerRecord<String, byte[]> record = codec.toRecord(event);
        producer.send(
            new ProducerRecord<>(
                topic, 0, record.timestamp(), record.key(), record.value(), record.headers()));
      }
      producer.flush();
    }
  }

  /** The dead letters the group wrote, waiting until there are {@code count}. */
  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String group, int count) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    props.put("group.id", "reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      reader.subscribe(List.of(Topics.DEADLETTER));
      long deadline = System.nanoTime() + TestingRecorder.WAIT.toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
          if (group.equals(header(record, DeadLetters.CONSUMER_GROUP))) {
            found.add(record);
          }
        }
      }
    }
    return found;
  }

  private static String header(ConsumerRecord<?, ?> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
