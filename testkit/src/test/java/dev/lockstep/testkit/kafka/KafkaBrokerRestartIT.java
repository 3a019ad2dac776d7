package dev.lockstep.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerRestartIT {

  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(20);

  @TempDir static Path directory;

  private static KafkaBrokerProcess broker;
  private static String bootstrapServers;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.startProcess(directory);
    bootstrapServers = broker.bootstrapServers();
  }

  @AfterAll
  static void closeBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @BeforeEach
  void brokerRuns() {
    if (!broker.isRunning()) {
      broker.start();
    }
  }

  @Test
  void aRecordWrittenBeforeAStopIsReadAfterTheStartOnTheSameAddress() throws Exception {
    String key = "upgrade-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>(Topics.EXECUTION, key, event(key))).get();
    }

    broker.stop();
    assertThat(broker.isRunning()).isFalse();
    broker.start();

    assertThat(broker.bootstrapServers()).isEqualTo(bootstrapServers);
    assertThat(consumeFirstWithKey(Topics.EXECUTION, key).value()).isEqualTo(event(key));
  }

  @Test
  void aProducerWithRetriesSendsAcrossTheGap() throws Exception {
    String key = "upgrade-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>(Topics.PLANS, "warm-up", "{}")).get();

      broker.stop();
      // The restart runs beside the send: while the broker is down, send() itself may block (up to
      // max.block.ms) until the producer has the topic's metadata again.
      CompletableFuture<Duration> restarted =
          CompletableFuture.supplyAsync(
              () -> {
                sleep(Duration.ofMillis(500));
                return broker.start();
              });
      Future<RecordMetadata> sent =
          producer.send(new ProducerRecord<>(Topics.PLANS, key, event(key)));
      restarted.get(30, TimeUnit.SECONDS);

      assertThat(sent.get(20, TimeUnit.SECONDS).topic()).isEqualTo(Topics.PLANS);
    }
    assertThat(consumeFirstWithKey(Topics.PLANS, key).value()).isEqualTo(event(key));
  }

  @Test
  void aKilledBrokerComesBackWithItsRecordsAndTopics() throws Exception {
    String key = "upgrade-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>(Topics.GATES, key, event(key))).get();
    }

    broker.kill();
    broker.start();

    assertThat(consumeFirstWithKey(Topics.GATES, key).value()).isEqualTo(event(key));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get();
      assertThat(topics.values())
          .allSatisfy(
              topic -> {
                assertThat(topic.partitions()).hasSize(KafkaBroker.SHARED_TOPIC_PARTITIONS);
                assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.leader()).isNotNull());
              });
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** About the size of a Lockstep event: a CloudEvents-style JSON object of a kilobyte or so. */
  private static String event(String key) {
    return "{\"specversion\":\"1.0\",\"type\":\"dev.lockstep.execution.step-finished.v1\",\"id\":\""
        + key
        + "\",\"data\":{\"step\":\"roll-out\",\"outcome\":\"SUCCEEDED\",\"detail\":\""
        + "x".repeat(800)
        + "\"}}";
  }

  private static ConsumerRecord<String, String> consumeFirstWithKey(String topic, String key) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.GROUP_ID_CONFIG,
            "restart-it-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(record.key())) {
            return record;
          }
        }
      }
    }
    throw new AssertionError(
        "No record with key " + key + " on " + topic + " within " + CONSUME_TIMEOUT);
  }

  private static KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            60_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            5_000,
            ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
            500,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class));
  }
}
