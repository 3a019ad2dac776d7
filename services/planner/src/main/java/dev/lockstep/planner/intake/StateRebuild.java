package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the planner's topics back from offset 0 to rebuild its state at start: the topics it
 * consumes up to its consumer group's committed offsets (every effect of those events is already on
 * {@code lockstep.plans}; later ones are delivered again to the live consumer), and {@code
 * lockstep.plans} to its end. Records that cannot be decoded are skipped: the live consumer
 * dead-lettered them.
 */
public final class StateRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(StateRebuild.class);

  private StateRebuild() {}

  /**
   * Feeds every event to {@code fold}.
   *
   * @param kafka the common Kafka client settings
   * @param group the live consumer's group
   * @param consumed the topics the group consumes (read up to its committed offsets)
   * @param full the topics read to their end
   */
  public static int replay(
      Map<String, Object> kafka,
      String group,
      List<String> consumed,
      List<String> full,
      EventCodec codec,
      Consumer<EventEnvelope> fold) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.put("group.id", group);
    config.put("enable.auto.commit", false);
    config.put("auto.offset.reset", "earliest");
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    int count = 0;
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      Map<TopicPartition, Long> until = new HashMap<>();
      Set<TopicPartition> consumedPartitions = new HashSet<>();
      for (String topic : consumed) {
        consumedPartitions.addAll(partitions(consumer, topic));
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(consumedPartitions, Duration.ofSeconds(30));
      for (TopicPartition tp : consumedPartitions) {
        OffsetAndMetadata o = committed.get(tp);
        until.put(tp, o == null ? 0L : o.offset());
      }
      List<TopicPartition> fullPartitions = new ArrayList<>();
      for (String topic : full) {
        fullPartitions.addAll(partitions(consumer, topic));
      }
      until.putAll(consumer.endOffsets(fullPartitions, Duration.ofSeconds(30)));
      until.entrySet().removeIf(e -> e.getValue() <= 0);
      if (until.isEmpty()) {
        return 0;
      }
      consumer.assign(until.keySet());
      consumer.seekToBeginning(until.keySet());
      Set<TopicPartition> left = new HashSet<>(until.keySet());
      while (!left.isEmpty()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (record.offset() >= until.get(tp)) {
            continue;
          }
          try {
            fold.accept(codec.fromRecord(record));
            count++;
          } catch (EventDecodingException e) {
            LOG.debug(
                "skipping an unreadable record at {}-{}@{}",
                record.topic(),
                record.partition(),
                record.offset());
          }
        }
        left.removeIf(tp -> consumer.position(tp) >= until.get(tp));
      }
    }
    return count;
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    List<TopicPartition> result = new ArrayList<>();
    if (infos != null) {
      for (PartitionInfo p : infos) {
        result.add(new TopicPartition(p.topic(), p.partition()));
      }
    }
    return result;
  }
}
