package dev.lockstep.runtime.kafka;

import dev.lockstep.events.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that a consumer could not handle to {@code lockstep.deadletter}: the original key,
 * value and headers, plus the reason and where it came from. Sending waits for the broker's
 * acknowledgement, so a consumer commits past the record only once it is safe on the dead-letter
 * topic. Each record taken counts in {@code lockstep_dead_letters_total{topic,reason,group}} (the
 * source topic, the reason code, the consumer group), which the LockstepDeadLetters alert watches.
 */
@Singleton
public class DeadLetters implements AutoCloseable {
  /** Header: why the record was dead-lettered, for people. */
  public static final String REASON = "lockstep.dlq.reason";

  /**
   * Header: the reason's code: the codec's ({@code malformed-envelope}, {@code unknown-type},
   * {@code unsupported-version}, {@code inconsistent-envelope}, {@code invalid-data}) for a record
   * that is not a readable event, or {@code handler-refused} for an event its handler refused for
   * its data ({@link Failures}).
   */
  public static final String REASON_CODE = "lockstep.dlq.reason-code";

  /** Header: the topic the record came from. */
  public static final String SOURCE_TOPIC = "lockstep.dlq.source-topic";

  /** Header: the partition it came from. */
  public static final String SOURCE_PARTITION = "lockstep.dlq.source-partition";

  /** Header: its offset there. */
  public static final String SOURCE_OFFSET = "lockstep.dlq.source-offset";

  /** Header: the consumer group that gave up on it. */
  public static final String CONSUMER_GROUP = "lockstep.dlq.consumer-group";

  /** Header: when, as an ISO-8601 instant. */
  public static final String FAILED_AT = "lockstep.dlq.failed-at";

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
  private static final int MAX_REASON = 4000;

  private final Map<String, Object> config;
  private final Clock clock;
  private final MeterRegistry meters;

  /** Made on the first dead letter: most runs never need one, and a producer is not free. */
  private Producer<byte[], byte[]> producer;

  private boolean closed;

  public DeadLetters(
      KafkaSettings settings,
      Clock clock,
      MeterRegistry meters,
      @Value("${micronaut.application.name:lockstep}") String service) {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("client.id", service + "-deadletters");
    config.put("enable.idempotence", true);
    config.put("acks", "all");
    this.config = java.util.Collections.unmodifiableMap(config);
    this.clock = clock;
    this.meters = meters;
  }

  /**
   * Sends the record to the dead-letter topic and waits until the broker has it.
   *
   * @throws DeadLetterException when the broker does not take it; the caller must not commit
   */
  public void send(ConsumerRecord<?, byte[]> record, String group, String code, String reason) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    put(headers, REASON, reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
    put(headers, REASON_CODE, code);
    put(headers, SOURCE_TOPIC, record.topic());
    put(headers, SOURCE_PARTITION, Integer.toString(record.partition()));
    put(headers, SOURCE_OFFSET, Long.toString(record.offset()));
    put(headers, CONSUMER_GROUP, group);
    put(headers, FAILED_AT, clock.instant().toString());
    byte[] key = keyBytes(record.key());
    try {
      producer()
          .send(new ProducerRecord<>(Topics.DEADLETTER, null, key, record.value(), headers))
          .get(30, TimeUnit.SECONDS);
      Counter.builder("lockstep.dead.letters")
          .description("records sent to the dead-letter topic, by source topic and reason code")
          .tag("topic", record.topic())
          .tag("reason", code)
          .tag("group", group)
          .register(meters)
          .increment();
      LOG.warn(
          "dead-lettered {}/{}@{} for {}: {} ({})",
          record.topic(),
          record.partition(),
          record.offset(),
          group,
          code,
          reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadLetterException("interrupted while dead-lettering", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new DeadLetterException("the dead-letter topic did not take the record", e);
    }
  }

  private synchronized Producer<byte[], byte[]> producer() {
    if (closed) {
      throw new IllegalStateException("the dead-letter producer is closed");
    }
    if (producer == null) {
      try {
        producer =
            new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
      } catch (KafkaException e) {
        throw new DeadLetterException("no producer for the dead-letter topic", e);
      }
    }
    return producer;
  }

  private static byte[] keyBytes(Object key) {
    if (key == null) {
      return null;
    }
    if (key instanceof byte[] bytes) {
      return bytes;
    }
    return key.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void put(Headers headers, String key, String value) {
    headers.remove(key);
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  @PreDestroy
  @Override
  public void close() {
    Producer<byte[], byte[]> made;
    synchronized (this) {
      closed = true;
      made = producer;
    }
    if (made != null) {
      made.close(java.time.Duration.ofSeconds(5));
    }
  }

  /** The dead-letter topic could not take a record; it stays uncommitted and is retried. */
  public static final class DeadLetterException extends RuntimeException {
    public DeadLetterException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
