package dev.lockstep.validator.ledger;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.runtime.kafka.TopicReplay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads partitions of a topic from their first offset to its current end with a reader of its own
 * (no consumer group, nothing committed), handing every readable event to a callback in partition
 * order. Records that cannot be read are skipped: the live consumer dead-letters them.
 */
public final class EventLogReplay {
  private static final Duration POLL = Duration.ofMillis(200);

  private EventLogReplay() {}

  /**
   * Reads the given partitions of a topic to their end; an {@link IllegalStateException} when it
   * cannot within {@code limit}.
   */
  public static int replay(
      KafkaSettings settings,
      EventCodec codec,
      String topic,
      Set<Integer> only,
      Duration limit,
      Consumer<EventEnvelope> sink) {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("client.id", "validator-replay-" + topic);
    try (TopicReplay reader = TopicReplay.open(config, POLL, limit)) {
      List<TopicPartition> partitions = new ArrayList<>(reader.partitions(topic));
      partitions.removeIf(partition -> !only.contains(partition.partition()));
      Map<TopicPartition, Long> end = reader.endOffsets(partitions);
      int[] count = {0};
      reader.read(
          end,
          limit,
          TopicReplay.decoding(
              codec,
              event -> {
                sink.accept(event.event());
                count[0]++;
              },
              // Unreadable: the live consumer dead-letters it; the ledger has no use for it.
              (record, e) -> {}));
      return count[0];
    } catch (TopicReplay.NotCaughtUpException e) {
      throw new IllegalStateException("could not read " + topic + " to its end within " + limit, e);
    }
  }

  /** The number of partitions of a topic. */
  public static int partitionCount(KafkaSettings settings, String topic, Duration limit) {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("client.id", "validator-replay-" + topic);
    try (KafkaConsumer<String, byte[]> reader =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      return reader.partitionsFor(topic, limit).size();
    }
  }
}
