package dev.lockstep.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class SharedKafkaBrokerIT {

  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(30);

  @Test
  void everyCallGetsTheSameRunningBroker() {
    KafkaBroker first = KafkaBroker.shared();
    KafkaBroker second = KafkaBroker.shared();

    assertThat(second).isSameAs(first);
    assertThat(first.bootstrapServers()).isNotBlank();
  }

  @Test
  void theTopicsExistWithThreeLedPartitions() throws Exception {
    try (Admin admin = admin()) {
      Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get();

      assertThat(topics).containsOnlyKeys(Topics.ALL);
      assertThat(topics.values())
          .allSatisfy(
              topic -> {
                assertThat(topic.partitions()).hasSize(KafkaBroker.SHARED_TOPIC_PARTITIONS);
                assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.leader()).isNotNull());
              });
    }
  }

  @Test
  void creatingExistingTopicsAgainIsHarmless() {
    assertThatCode(() -> KafkaBroker.shared().createTopics(Topics.ALL, 3))
        .doesNotThrowAnyException();
  }

  @Test
  void aRecordWithHeadersReachesAConsumerGroupIntact() throws Exception {
    String key = "upgrade-" + UUID.randomUUID();
    String value = "{\"release\":\"2.4.1\"}";
    List<Header> headers =
        List.of(
            new RecordHeader("ce_id", key.getBytes(StandardCharsets.UTF_8)),
            new RecordHeader(
                "ce_type", "dev.lockstep.upgrade.requested.v1".getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("traceparent", new byte[] {0, 1, 2, (byte) 0xff}));

    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>(Topics.REQUESTS, null, key, value, headers)).get();
    }

    ConsumerRecord<String, String> received = consumeFirstWithKey(Topics.REQUESTS, key);

    assertThat(received.value()).isEqualTo(value);
    assertThat(received.headers().toArray())
        .extracting(Header::key, Header::value)
        .containsExactly(
            headers.stream().map(h -> tuple(h.key(), h.value())).toArray(Tuple[]::new));
  }

  private static ConsumerRecord<String, String> consumeFirstWithKey(String topic, String key) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            KafkaBroker.shared().bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "shared-broker-it-" + UUID.randomUUID(),
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
            consumer.commitSync();
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
            KafkaBroker.shared().bootstrapServers(),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class));
  }

  private static Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers()));
  }
}
