package dev.lockstep.cli.soak;

import dev.lockstep.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Puts unreadable records on {@code lockstep.requests} (no CloudEvents headers, bytes that are not
 * JSON), keyed by a platform: every consumer of the topic must dead-letter them and go on. Each
 * record's partition and offset are kept, so that the dead letters can be matched to them.
 */
final class Garbage implements AutoCloseable {
  /** One record put on the topic. */
  record Sent(String platform, int partition, long offset, Instant at) {}

  private final KafkaProducer<String, byte[]> producer;
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  Garbage(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("delivery.timeout.ms", "120000");
    producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /** Sends one unreadable record for the platform and waits for the broker (up to two minutes). */
  Sent send(String platform, Random random) {
    byte[] bytes = new byte[16 + random.nextInt(48)];
    random.nextBytes(bytes);
    bytes[0] = (byte) 0xff; // never valid UTF-8 JSON
    byte[] marker = "soak-garbage:".getBytes(StandardCharsets.UTF_8);
    byte[] value = new byte[marker.length + bytes.length];
    System.arraycopy(bytes, 0, value, 0, bytes.length);
    System.arraycopy(marker, 0, value, bytes.length, marker.length);
    try {
      RecordMetadata metadata =
          producer
              .send(new ProducerRecord<>(Topics.REQUESTS, platform, value))
              .get(130, TimeUnit.SECONDS);
      Sent record = new Sent(platform, metadata.partition(), metadata.offset(), Instant.now());
      sent.add(record);
      return record;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the broker did not take the garbage: " + e, e);
    }
  }

  /** Every record sent. */
  List<Sent> sent() {
    return List.copyOf(sent);
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }
}
