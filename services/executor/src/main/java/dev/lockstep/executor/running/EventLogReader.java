package dev.lockstep.executor.running;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.runtime.kafka.TopicReplay;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the plans, execution and gates topics from their beginning for a set of platforms, with a
 * consumer of its own that joins no group and commits nothing: how a starting executor (or one that
 * takes over a platform) learns where every upgrade stands.
 */
@Singleton
public class EventLogReader {
  private static final Logger LOG = LoggerFactory.getLogger(EventLogReader.class);
  private static final List<String> TOPICS = List.of(Topics.PLANS, Topics.EXECUTION, Topics.GATES);
  private static final Duration POLL = Duration.ofMillis(200);

  /** The consumer's own default ({@code default.api.timeout.ms}). */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaSettings settings;
  private final EventCodec codec;

  public EventLogReader(KafkaSettings settings, EventCodec codec) {
    this.settings = settings;
    this.codec = codec;
  }

  /**
   * The events of the given platforms: first the plans topic, then execution, then gates, each in
   * log order (the order of one platform's partition), up to the end offsets each topic had when
   * its reading began. Only the partitions that hold these platforms are read (their events are
   * keyed by platform), not a whole topic's history. Reads for as long as that takes.
   */
  public List<EventEnvelope> read(Set<String> platforms) {
    List<EventEnvelope> events = new ArrayList<>();
    if (platforms.isEmpty()) {
      return events;
    }
    try (TopicReplay replay = TopicReplay.open(replayConfig(), POLL, REQUEST_TIMEOUT)) {
      for (String topic : TOPICS) {
        // a platform's events are keyed by it: only the partitions of these platforms hold them
        List<TopicPartition> all = replay.partitions(topic);
        if (all.isEmpty()) {
          continue; // a topic the broker does not know holds nothing of theirs
        }
        Set<Integer> holding = new HashSet<>();
        platforms.forEach(platform -> holding.add(partitionOf(platform, all.size())));
        List<TopicPartition> partitions =
            all.stream().filter(partition -> holding.contains(partition.partition())).toList();
        replay.read(
            replay.endOffsets(partitions),
            TopicReplay.NO_LIMIT,
            records -> {
              for (ConsumerRecord<String, byte[]> record : records) {
                if (record.key() == null || !platforms.contains(record.key())) {
                  continue;
                }
                try {
                  events.add(codec.fromRecord(record));
                } catch (EventDecodingException e) {
                  LOG.debug(
                      "skipping an unreadable record {}@{}: {}",
                      topic,
                      record.offset(),
                      e.getMessage());
                }
              }
            });
      }
    }
    return events;
  }

  /** The partition of the plans topic that holds a platform's events. */
  public int partitionOf(String platform) {
    try (KafkaConsumer<String, byte[]> consumer = newConsumer()) {
      List<PartitionInfo> partitions = consumer.partitionsFor(Topics.PLANS);
      return partitionOf(platform, partitions.size());
    }
  }

  /** The partition a record keyed by the platform goes to (Kafka's partitioner for a key). */
  private static int partitionOf(String platform, int partitionCount) {
    return Utils.toPositive(Utils.murmur2(platform.getBytes(StandardCharsets.UTF_8)))
        % partitionCount;
  }

  private Map<String, Object> replayConfig() {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put(
        "client.id", "executor-replay-" + Integer.toHexString(System.identityHashCode(this)));
    return config;
  }

  private KafkaConsumer<String, byte[]> newConsumer() {
    Map<String, Object> config = replayConfig();
    config.put("enable.auto.commit", false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
