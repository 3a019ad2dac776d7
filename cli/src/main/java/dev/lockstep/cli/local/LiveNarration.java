package dev.lockstep.cli.local;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The local mode's narration as it happens: a thread that reads every event topic from its
 * beginning (in no group) and prints the {@link EventNarrator} line of each event of the local
 * mode's platforms; with several platforms, each line names its platform. Each of those events also
 * goes to a listener (the scenarios' runs), in log order per platform.
 */
final class LiveNarration implements AutoCloseable {
  private final AtomicBoolean narrating = new AtomicBoolean(true);
  private final Thread thread;

  private LiveNarration(
      KafkaConsumer<String, byte[]> consumer,
      Set<String> platforms,
      Consumer<String> say,
      Consumer<EventEnvelope> listener) {
    EventCodec codec = EventCodec.standard();
    Set<String> narrated = Set.copyOf(platforms);
    int width = narrated.stream().mapToInt(String::length).max().orElse(0);
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (narrating.get()) {
                  for (ConsumerRecord<String, byte[]> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    if (!narrated.contains(record.key())) {
                      continue;
                    }
                    try {
                      EventEnvelope event = codec.fromRecord(record);
                      listener.accept(event);
                      (narrated.size() == 1
                              ? EventNarrator.narrate(event)
                              : EventNarrator.narrate(event, width))
                          .ifPresent(say);
                    } catch (RuntimeException e) {
                      say.accept("(an event that cannot be read: " + e.getMessage() + ")");
                    }
                  }
                }
              } catch (org.apache.kafka.common.errors.InterruptException e) {
                // closing
              }
            },
            "lockstep-local-narrator");
    thread.setDaemon(true);
  }

  /** Starts narrating the events of the platforms on the broker; each also goes to the listener. */
  static LiveNarration start(
      String bootstrapServers,
      Set<String> platforms,
      Consumer<String> say,
      Consumer<EventEnvelope> listener) {
    Properties config = new Properties();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("enable.auto.commit", "false");
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config);
    // every partition from its beginning, in no group: the events of these platforms only
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    LiveNarration narration = new LiveNarration(consumer, platforms, say, listener);
    narration.thread.start();
    return narration;
  }

  /** Stops narrating; waits a moment for the thread to end. */
  @Override
  public void close() {
    narrating.set(false);
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
