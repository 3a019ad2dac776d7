package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads partitions back from their first offset (or from given start offsets, to resume) up to stop
 * offsets fixed before reading starts (the end offsets, or a group's committed offsets), with a
 * consumer of its own that is assigned its partitions and commits nothing: how a service rebuilds
 * what it knows from the log.
 *
 * <p>Records at or beyond a partition's stop offset are never handed on, so a replay is a fixed
 * prefix of the log however much is written while it reads. It finishes when every partition's
 * position has reached its stop offset; when that takes longer than the limit it throws {@link
 * NotCaughtUpException} and has handed on only part of the prefix. What the sink throws, and what
 * the Kafka client throws, ends the replay and reaches the caller unchanged.
 *
 * <p>One instance holds one consumer; {@link #read} may be called several times (each call replaces
 * the assignment) and the instance must be closed.
 */
public final class TopicReplay implements AutoCloseable {
  /** A limit that never passes: the replay reads for as long as reaching the stops takes. */
  public static final Duration NO_LIMIT = ChronoUnit.FOREVER.getDuration();

  /** Receives the records of one poll that lie below their stop offsets, in partition order. */
  @FunctionalInterface
  public interface Sink {
    void accept(List<ConsumerRecord<String, byte[]>> records);
  }

  /** Thrown when the stop offsets were not reached within the replay's limit. */
  public static final class NotCaughtUpException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotCaughtUpException(String message) {
      super(message);
    }
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final Duration poll;
  private final Duration requestTimeout;

  private TopicReplay(Map<String, Object> config, Duration poll, Duration requestTimeout) {
    Map<String, Object> own = new HashMap<>(config);
    own.put("enable.auto.commit", false);
    // Every record a replay reads exists before it starts (its stops are offsets taken then), so
    // the broker's long poll only delays it: a fetch left waiting for the last topic's partitions
    // holds the next topic's first fetch (one fetch in flight per broker) for fetch.max.wait.ms,
    // 500 ms by default, per topic read in turn.
    own.putIfAbsent("fetch.max.wait.ms", 10);
    this.consumer = new KafkaConsumer<>(own, new StringDeserializer(), new ByteArrayDeserializer());
    this.poll = poll;
    this.requestTimeout = requestTimeout;
  }

  /**
   * Opens a replay consumer.
   *
   * @param config the client configuration (bootstrap servers, {@code client.id}, and a {@code
   *     group.id} only when {@link #committedOffsets} is needed); auto-commit is always off
   * @param poll how long one poll waits for records
   * @param requestTimeout how long a metadata or offset request ({@link #partitions}, {@link
   *     #endOffsets}, {@link #committedOffsets}) may take
   */
  public static TopicReplay open(
      Map<String, Object> config, Duration poll, Duration requestTimeout) {
    return new TopicReplay(config, poll, requestTimeout);
  }

  /** The partitions of a topic; none when the topic is not known. */
  public List<TopicPartition> partitions(String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, requestTimeout);
    List<TopicPartition> result = new ArrayList<>();
    if (infos != null) {
      for (PartitionInfo info : infos) {
        result.add(new TopicPartition(topic, info.partition()));
      }
    }
    return result;
  }

  /** The partitions of several topics, topic by topic. */
  public List<TopicPartition> partitions(Collection<String> topics) {
    List<TopicPartition> result = new ArrayList<>();
    for (String topic : topics) {
      result.addAll(partitions(topic));
    }
    return result;
  }

  /** The current end offsets: reading to them reads everything written so far. */
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
    return new HashMap<>(consumer.endOffsets(partitions, requestTimeout));
  }

  /**
   * The offsets the configured {@code group.id} has committed, 0 for a partition without one:
   * reading to them reads what the group has already processed.
   */
  public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed =
        consumer.committed(new HashSet<>(partitions), requestTimeout);
    Map<TopicPartition, Long> result = new HashMap<>();
    for (TopicPartition partition : partitions) {
      OffsetAndMetadata offset = committed.get(partition);
      result.put(partition, offset == null ? 0L : offset.offset());
    }
    return result;
  }

  /**
   * Reads each partition from its first offset up to (not including) its stop offset, handing each
   * poll's records below the stops to {@code sink}.
   *
   * @param stops the stop offset of each partition to read; partitions with nothing to read (a stop
   *     of 0 or below) are left out
   * @param limit how long reading may take, from the first poll; {@link #NO_LIMIT} for none
   * @return the number of records handed to the sink
   * @throws NotCaughtUpException when a partition has not reached its stop within {@code limit}
   */
  public long read(Map<TopicPartition, Long> stops, Duration limit, Sink sink) {
    return read(Map.of(), stops, limit, sink);
  }

  /**
   * Reads each partition from its start offset (its first offset when it has none, or when the
   * start lies below the first offset the log still holds) up to (not including) its stop offset:
   * how a replay cut short resumes where it stopped.
   *
   * @param starts the offset to read each partition from; partitions without one from their first
   * @param stops the stop offset of each partition to read; partitions with nothing to read (a stop
   *     of 0 or below, or not above their start) are left out
   * @param limit how long reading may take, from the first poll; {@link #NO_LIMIT} for none
   * @return the number of records handed to the sink
   * @throws NotCaughtUpException when a partition has not reached its stop within {@code limit}
   */
  public long read(
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, Long> stops,
      Duration limit,
      Sink sink) {
    Map<TopicPartition, Long> left = new HashMap<>(stops);
    left.entrySet().removeIf(e -> e.getValue() <= Math.max(0, starts.getOrDefault(e.getKey(), 0L)));
    Set<TopicPartition> assigned = new HashSet<>(left.keySet());
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
    Map<TopicPartition, Long> resumed = new HashMap<>(starts);
    resumed.keySet().retainAll(assigned);
    resumed.values().removeIf(start -> start <= 0);
    if (!resumed.isEmpty()) {
      Map<TopicPartition, Long> first = consumer.beginningOffsets(resumed.keySet(), requestTimeout);
      resumed.forEach(
          (partition, start) -> consumer.seek(partition, Math.max(start, first.get(partition))));
    }
    long started = System.nanoTime();
    long handed = 0;
    while (true) {
      left.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      if (left.isEmpty()) {
        return handed;
      }
      if (limit.compareTo(Duration.ofNanos(System.nanoTime() - started)) < 0) {
        throw new NotCaughtUpException(
            "could not read "
                + left.keySet()
                + " to the offsets taken at the start within "
                + limit);
      }
      List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> record : consumer.poll(poll)) {
        Long stop = stops.get(new TopicPartition(record.topic(), record.partition()));
        if (stop != null && record.offset() < stop) {
          batch.add(record);
        }
      }
      if (!batch.isEmpty()) {
        sink.accept(batch);
        handed += batch.size();
      }
    }
  }

  /** Reads the given topics to the end offsets they have now. */
  public long readToEnd(Collection<String> topics, Duration limit, Sink sink) {
    return read(endOffsets(partitions(topics)), limit, sink);
  }

  /**
   * A sink that decodes each record into an event with its position, hands the readable ones to
   * {@code events} and the others, with the reason, to {@code unreadable}.
   */
  public static Sink decoding(
      EventCodec codec,
      Consumer<ConsumedEvent> events,
      BiConsumer<ConsumerRecord<String, byte[]>, EventDecodingException> unreadable) {
    return records -> {
      for (ConsumerRecord<String, byte[]> record : records) {
        ConsumedEvent event;
        try {
          event =
              new ConsumedEvent(
                  codec.fromRecord(record), record.topic(), record.partition(), record.offset());
        } catch (EventDecodingException e) {
          unreadable.accept(record, e);
          continue;
        }
        events.accept(event);
      }
    };
  }

  @Override
  public void close() {
    consumer.close();
  }
}
