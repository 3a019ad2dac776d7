package dev.lockstep.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.EventCodec;
import dev.lockstep.testkit.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Reading topics back through a real broker: everything up to the offsets fixed at the start, in
 * partition order, nothing written later; a group's committed offsets as stops; a clear failure
 * when the stops cannot be reached in time; unreadable records set apart.
 */
class TopicReplayIT {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration REQUESTS = Duration.ofSeconds(30);
  private static final Duration LIMIT = Duration.ofSeconds(30);

  private final KafkaBroker broker = KafkaBroker.shared();

  @Test
  void readsEveryPartitionToTheEndOffsetsTakenAtTheStartAndNothingWrittenLater() throws Exception {
    String topic = newTopic(3);
    Map<String, List<String>> written = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      String key = "platform-" + (i % 5);
      send(topic, key, key + ":" + i);
      written.computeIfAbsent(key, k -> new ArrayList<>()).add(key + ":" + i);
    }
    Map<String, List<String>> read = new HashMap<>();
    long handed;
    try (TopicReplay replay = TopicReplay.open(config(), POLL, REQUESTS)) {
      handed =
          replay.readToEnd(
              List.of(topic),
              LIMIT,
              records -> {
                for (ConsumerRecord<String, byte[]> record : records) {
                  read.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(value(record));
                }
                // Written while the replay reads: beyond the end offsets taken at the start.
                send(topic, records.get(0).key(), "late");
              });
    }

    assertThat(handed).isEqualTo(30);
    assertThat(read).isEqualTo(written);
  }

  @Test
  void stopsAtTheOffsetsAGroupHasCommitted() throws Exception {
    String topic = newTopic(1);
    for (int i = 0; i < 10; i++) {
      send(topic, "platform", "event-" + i);
    }
    String group = "replay-it-" + UUID.randomUUID();
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, byte[]> live = groupConsumer(group)) {
      live.commitSync(Map.of(partition, new OffsetAndMetadata(4)));
    }
    Map<String, Object> config = config();
    config.put("group.id", group);
    List<String> read = new ArrayList<>();
    try (TopicReplay replay = TopicReplay.open(config, POLL, REQUESTS)) {
      Map<TopicPartition, Long> committed = replay.committedOffsets(replay.partitions(topic));
      assertThat(committed).containsExactly(Map.entry(partition, 4L));
      replay.read(committed, LIMIT, records -> records.forEach(r -> read.add(value(r))));
    }

    assertThat(read).containsExactly("event-0", "event-1", "event-2", "event-3");
  }

  @Test
  void aPartitionWithNothingToReadEndsTheReplayAtOnce() throws Exception {
    String topic = newTopic(2);
    List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
    try (TopicReplay replay = TopicReplay.open(config(), POLL, REQUESTS)) {
      assertThat(replay.readToEnd(List.of(topic), LIMIT, read::addAll)).isZero();
    }
    assertThat(read).isEmpty();
  }

  @Test
  void failsNamingThePartitionsWhenTheStopsAreNotReachedWithinTheLimit() throws Exception {
    String topic = newTopic(1);
    send(topic, "platform", "only");
    TopicPartition partition = new TopicPartition(topic, 0);
    List<String> read = new ArrayList<>();
    try (TopicReplay replay = TopicReplay.open(config(), POLL, REQUESTS)) {
      // Offset 5 is never written, so it is never reached.
      assertThatThrownBy(
              () ->
                  replay.read(
                      Map.of(partition, 5L),
                      Duration.ofSeconds(2),
                      records -> records.forEach(r -> read.add(value(r)))))
          .isInstanceOf(TopicReplay.NotCaughtUpException.class)
          .hasMessageContaining(partition.toString())
          .hasMessageContaining("PT2S");
    }
    assertThat(read).containsExactly("only");
  }

  @Test
  void handsUnreadableRecordsApartFromTheEvents() throws Exception {
    String topic = newTopic(1);
    send(topic, "platform", "not an event");
    List<ConsumedEvent> events = new ArrayList<>();
    List<Long> unreadable = new ArrayList<>();
    try (TopicReplay replay = TopicReplay.open(config(), POLL, REQUESTS)) {
      replay.readToEnd(
          List.of(topic),
          LIMIT,
          TopicReplay.decoding(
              EventCodec.standard(), events::add, (record, e) -> unreadable.add(record.offset())));
    }
    assertThat(events).isEmpty();
    assertThat(unreadable).containsExactly(0L);
  }

  private String newTopic(int partitions) {
    String topic = "replay-it-" + UUID.randomUUID();
    broker.createTopics(List.of(topic), partitions);
    return topic;
  }

  private void send(String topic, String key, String value) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
  }

  private KafkaConsumer<String, byte[]> groupConsumer(String group) {
    Map<String, Object> config = config();
    config.put("group.id", group);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private Map<String, Object> config() {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", broker.bootstrapServers());
    config.put("client.id", "topic-replay-it");
    return config;
  }

  private static String value(ConsumerRecord<String, byte[]> record) {
    return new String(record.value(), StandardCharsets.UTF_8);
  }
}
