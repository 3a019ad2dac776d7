package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The local mode's summary waits for the notifier to have handled what was on its topics: a group
 * that has committed only part of a topic has not caught up, one that committed to the end has.
 */
class ConsumerGroupProgressIT {
  private static final KafkaBroker KAFKA = KafkaBroker.shared();

  @Test
  void aGroupHasCaughtUpOnlyOnceItCommittedToTheEndsOfItsPartitions() throws Exception {
    String topic = "progress-" + UUID.randomUUID();
    String group = "progress-group-" + UUID.randomUUID();
    KAFKA.createTopics(List.of(topic), 1);
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>(topic, "event " + i)).get();
      }
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", KAFKA.bootstrapServers(), "group.id", group),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.commitSync(Map.of(partition, new OffsetAndMetadata(1)));

      assertThat(
              ConsumerGroupProgress.awaitCaughtUp(
                  KAFKA.bootstrapServers(), group, Duration.ofSeconds(1)))
          .as("two of three records not handled yet")
          .isFalse();

      consumer.commitSync(Map.of(partition, new OffsetAndMetadata(3)));

      assertThat(
              ConsumerGroupProgress.awaitCaughtUp(
                  KAFKA.bootstrapServers(), group, Duration.ofSeconds(10)))
          .isTrue();
    }
  }
}
