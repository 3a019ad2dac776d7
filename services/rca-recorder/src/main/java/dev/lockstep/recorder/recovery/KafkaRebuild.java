package dev.lockstep.recorder.recovery;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.recorder.ingest.Batch;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disaster recovery: fills an event store from offset 0 of every topic up to the end offsets found
 * when it starts, without a consumer group (nothing is committed, no group is disturbed), then
 * rebuilds every projection from the table. Records that are not Lockstep events are counted and
 * left out: the live consumer dead-lettered them when they first arrived.
 */
public final class KafkaRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRebuild.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private final KafkaSettings kafka;
  private final EventCodec codec;

  public KafkaRebuild(KafkaSettings kafka, EventCodec codec) {
    this.kafka = kafka;
    this.codec = codec;
  }

  /** What a rebuild read and stored. */
  public record Result(long read, long stored, long unreadable, int upgrades) {}

  /**
   * Reads the topics from their start into the store, then rebuilds the projections.
   *
   * @param timeout how long reading may take before the rebuild gives up
   * @throws IllegalStateException when the end offsets are not reached in time
   */
  public Result rebuild(
      List<String> topics, EventStore store, Projector projector, Duration timeout) {
    Map<String, Object> config = new HashMap<>(kafka.common());
    config.put("enable.auto.commit", false);
    config.put("max.poll.records", 1000);
    config.put("client.id", "rca-recorder-rebuild");
    long read = 0;
    long stored = 0;
    long unreadable = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      end.values().removeIf(offset -> offset == 0);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the rebuild from Kafka did not reach the end in time");
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        List<ConsumedEvent> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
          Long stop = end.get(new TopicPartition(record.topic(), record.partition()));
          if (stop == null || record.offset() >= stop) {
            continue;
          }
          read++;
          try {
            batch.add(
                new ConsumedEvent(
                    codec.fromRecord(record), record.topic(), record.partition(), record.offset()));
          } catch (EventDecodingException e) {
            unreadable++;
          }
        }
        stored += store.append(Batch.of(batch, codec).rows());
      }
    }
    int upgrades = projector.rebuild();
    LOG.info(
        "rebuilt the event store from Kafka: {} records read, {} events stored, {} unreadable, {}"
            + " upgrades",
        read,
        stored,
        unreadable,
        upgrades);
    return new Result(read, stored, unreadable, upgrades);
  }

  private static boolean done(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
      if (consumer.position(entry.getKey()) < entry.getValue()) {
        return false;
      }
    }
    return true;
  }
}
