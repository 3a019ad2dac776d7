package dev.lockstep.bench;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.kafka.KafkaSettings;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The raw Kafka hop that every Lockstep hop rides on: a plain producer with the services' producer
 * settings ({@link EventPublisher#producerConfig}: idempotent, {@code acks=all}, {@code
 * linger.ms=0}) sends a {@code step.succeeded} as the services encode it (CloudEvents headers, JSON
 * data), and a plain consumer with their consumer settings ({@link EventConsumer#consumerConfig},
 * polling every 250 ms at most and committing synchronously after each poll, as their loop does)
 * receives it. The hop is from just before {@code send} to the poll that returns the record, on one
 * clock. One record is in flight at a time, so nothing is batched.
 */
final class RawKafkaHop implements AutoCloseable {
  /** The topic of the pings: three partitions, as the Lockstep topics have. */
  static final String TOPIC = "lockstep.bench.raw-hop";

  private static final String SEQUENCE = "bench-sequence";
  private static final Duration POLL = Duration.ofMillis(250);

  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final ProducerRecord<String, byte[]> template;
  private final Map<Long, Long> sentNanos = new ConcurrentHashMap<>();
  private final SynchronousQueue<Long> received = new SynchronousQueue<>();
  private final CountDownLatch assigned = new CountDownLatch(1);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread consuming;
  private long sequence;
  private volatile Thread pinger;
  private final List<Long> background = new ArrayList<>();

  RawKafkaHop(String bootstrapServers) {
    KafkaSettings settings = new KafkaSettings();
    settings.setBootstrapServers(bootstrapServers);
    producer =
        new KafkaProducer<>(
            EventPublisher.producerConfig(settings, "bench-raw-hop"),
            new StringSerializer(),
            new ByteArraySerializer());
    consumer =
        new KafkaConsumer<>(
            EventConsumer.consumerConfig(settings, ConsumerSpec.of("bench-raw-hop", TOPIC)),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "executor",
            "dataos-bench-01",
            "up-0f4c7a1e-3b9d-4e2a-9c61-5d7e8f9a0b1c",
            new StepSucceeded(
                "up-0f4c7a1e-3b9d-4e2a-9c61-5d7e8f9a0b1c",
                "s-1-2",
                1,
                "poros",
                StepAction.SET_IMAGE,
                "1.9.0",
                "1.10.0",
                List.of(),
                null),
            null,
            Clock.systemUTC());
    template = EventCodec.standard().toRecord(event);
    consuming = new Thread(this::consume, "bench-raw-hop-consumer");
    consuming.setDaemon(true);
    consuming.start();
  }

  /** The size of a ping: its value and headers, in bytes. */
  int recordBytes() {
    int bytes = template.value().length + template.key().length();
    for (Header header : template.headers()) {
      bytes += header.key().length() + header.value().length;
    }
    return bytes;
  }

  /**
   * Sends {@code count} pings one after the other, each after the previous one arrived and a pause;
   * the hop of each, in microseconds.
   */
  List<Long> measure(int count, Duration pause) {
    awaitAssignment();
    List<Long> hops = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      hops.add(ping());
      sleep(pause);
    }
    return hops;
  }

  /** Starts pinging in the background, one ping every {@code every}, until {@link #stop}. */
  void startBackground(Duration every) {
    awaitAssignment();
    synchronized (background) {
      background.clear();
    }
    Thread thread =
        new Thread(
            () -> {
              while (pinger == Thread.currentThread()) {
                long hop = ping();
                synchronized (background) {
                  background.add(hop);
                }
                sleep(every);
              }
            },
            "bench-raw-hop-pinger");
    thread.setDaemon(true);
    pinger = thread;
    thread.start();
  }

  /** Stops the background pings; their hops in microseconds. */
  List<Long> stop() {
    Thread thread = pinger;
    pinger = null;
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (background) {
      return List.copyOf(background);
    }
  }

  private long ping() {
    long number = ++sequence;
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(TOPIC, null, template.key(), template.value(), template.headers());
    record.headers().add(SEQUENCE, ByteBuffer.allocate(Long.BYTES).putLong(number).array());
    sentNanos.put(number, System.nanoTime());
    producer.send(record);
    try {
      Long hop = received.poll(30, TimeUnit.SECONDS);
      if (hop == null) {
        throw new IllegalStateException("ping " + number + " did not arrive in 30 s");
      }
      return hop;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void consume() {
    consumer.subscribe(
        List.of(TOPIC),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned.countDown();
          }
        });
    try {
      while (running.get()) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        long now = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
          Header header = record.headers().lastHeader(SEQUENCE);
          Long sent =
              header == null ? null : sentNanos.remove(ByteBuffer.wrap(header.value()).getLong());
          offsets.put(
              new TopicPartition(record.topic(), record.partition()),
              new OffsetAndMetadata(record.offset() + 1));
          if (sent != null) {
            received.offer((now - sent) / 1_000, 30, TimeUnit.SECONDS);
          }
        }
        if (!offsets.isEmpty()) {
          consumer.commitSync(offsets);
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // closing
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void awaitAssignment() {
    try {
      if (!assigned.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the raw hop's consumer got no partitions in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    running.set(false);
    consumer.wakeup();
    try {
      consuming.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
