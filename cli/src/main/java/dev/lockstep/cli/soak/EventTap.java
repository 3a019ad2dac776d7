package dev.lockstep.cli.soak;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.PlanCreated;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every topic from its beginning while the soak runs, in no consumer group (so it changes
 * nothing the services see): the events of the soak's platforms, as the drivers follow their
 * upgrades by them, and the dead letters. A broker restart only pauses it.
 */
final class EventTap implements AutoCloseable {
  /** An event as read, with where it was on the log. */
  record Read(EventEnvelope event, String topic, int partition, long offset) {}

  /** A record of {@code lockstep.deadletter}, with the headers that say where it came from. */
  record DeadLetter(
      String key, String sourceTopic, int sourcePartition, long sourceOffset, String reasonCode) {}

  /** A record on an event topic that is not a readable event. */
  record Unreadable(String topic, int partition, long offset, String key, String problem) {}

  private final String bootstrapServers;
  private final Set<String> platforms;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<Read> events = new CopyOnWriteArrayList<>();
  private final Map<String, List<Read>> byUpgrade = new ConcurrentHashMap<>();
  private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
  private final List<Unreadable> unreadable = new CopyOnWriteArrayList<>();
  private final Map<String, List<String>> rollbacksOf = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  EventTap(String bootstrapServers, Set<String> platforms) {
    this.bootstrapServers = bootstrapServers;
    this.platforms = Set.copyOf(platforms);
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("enable.auto.commit", "false");
    config.put("max.poll.records", "2000");
    // a position the broker no longer has (after a crash) is read again from the start, not skipped
    config.put("auto.offset.reset", "earliest");
    consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.ALL) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::run, "soak-event-tap");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    EventCodec codec = EventCodec.standard();
    try {
      while (running.get()) {
        try {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            take(codec, record);
            positions.put(
                new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
          }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
          return;
        } catch (org.apache.kafka.common.KafkaException e) {
          // the broker is restarting: poll again
          sleep(500);
        }
      }
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void take(EventCodec codec, ConsumerRecord<String, byte[]> record) {
    if (!seen.add(record.topic() + "/" + record.partition() + "@" + record.offset())) {
      return; // read again after the broker's restart
    }
    if (record.topic().equals(Topics.DEADLETTER)) {
      deadLetters.add(
          new DeadLetter(
              record.key(),
              header(record, "lockstep.dlq.source-topic"),
              parseInt(header(record, "lockstep.dlq.source-partition")),
              parseLong(header(record, "lockstep.dlq.source-offset")),
              header(record, "lockstep.dlq.reason-code")));
      return;
    }
    if (record.key() == null || !platforms.contains(record.key())) {
      return;
    }
    EventEnvelope event;
    try {
      event = codec.fromRecord(record);
    } catch (RuntimeException e) {
      unreadable.add(
          new Unreadable(
              record.topic(), record.partition(), record.offset(), record.key(), e.getMessage()));
      return;
    }
    Read read = new Read(event, record.topic(), record.partition(), record.offset());
    events.add(read);
    String upgrade = event.subject();
    if (upgrade != null) {
      byUpgrade.computeIfAbsent(upgrade, u -> new CopyOnWriteArrayList<>()).add(read);
    }
    if (event.data() instanceof PlanCreated created && created.plan().rollbackOf() != null) {
      List<String> rollbacks =
          rollbacksOf.computeIfAbsent(
              created.plan().rollbackOf(), u -> new CopyOnWriteArrayList<>());
      if (!rollbacks.contains(created.plan().upgradeId())) {
        rollbacks.add(created.plan().upgradeId());
      }
    }
  }

  /** The rollbacks planned of an upgrade, in the order their plans were read. */
  List<String> rollbacksOf(String upgradeId) {
    List<String> list = rollbacksOf.get(upgradeId);
    return list == null ? List.of() : List.copyOf(list);
  }

  /** Every event of the platforms read so far, in the order read. */
  List<Read> events() {
    return List.copyOf(events);
  }

  /** The events read so far whose subject is the upgrade (or rollback). */
  List<Read> events(String upgradeId) {
    List<Read> list = byUpgrade.get(upgradeId);
    return list == null ? List.of() : List.copyOf(list);
  }

  /** Every dead letter read so far. */
  List<DeadLetter> deadLetters() {
    return List.copyOf(deadLetters);
  }

  /** The records of the platforms that could not be read as events. */
  List<Unreadable> unreadable() {
    return List.copyOf(unreadable);
  }

  /**
   * Waits until the tap has read every topic up to the offsets the broker has now (bounded); true
   * when it did.
   */
  boolean catchUp(Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrapServers);
    Map<TopicPartition, Long> end;
    try (KafkaConsumer<String, byte[]> probe =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : Topics.ALL) {
        probe
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      end = probe.endOffsets(partitions, Duration.ofSeconds(30));
    }
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      boolean done =
          end.entrySet().stream()
              .allMatch(
                  e -> e.getValue() == 0 || positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
      if (done) {
        return true;
      }
      sleep(200);
    }
    return false;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static int parseInt(String text) {
    try {
      return text == null ? -1 : Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long parseLong(String text) {
    try {
      return text == null ? -1 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
