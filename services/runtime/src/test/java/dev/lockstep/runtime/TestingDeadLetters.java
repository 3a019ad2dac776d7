package dev.lockstep.runtime;

import dev.lockstep.events.Topics;
import dev.lockstep.runtime.kafka.DeadLetters;
import dev.lockstep.testkit.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The dead letters the runtime's tests look at, read from the shared broker. */
final class TestingDeadLetters {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private TestingDeadLetters() {}

  /** A record's header as text, or null. */
  static String header(ConsumerRecord<?, ?> record, String key) {
    Header header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The dead letters a group has written so far: the dead-letter topic read to its end. */
  static List<ConsumerRecord<byte[], byte[]>> soFar(String group) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          reader.partitionsFor(Topics.DEADLETTER).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = reader.endOffsets(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(p -> reader.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
          if (group.equals(header(record, DeadLetters.CONSUMER_GROUP))) {
            found.add(record);
          }
        }
      }
    }
    return found;
  }
}
