package dev.lockstep.notifier.cdevents;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes CDEvents to a Kafka topic (the CloudEvents Kafka binding, binary with {@code ce_*} headers
 * or structured), keyed by platform so that a platform's CDEvents keep their order. An event the
 * broker can never take (too large, an invalid topic) is not sent again; everything else (broker
 * away, time-out, a missing ACL) is retried.
 */
final class KafkaCdEventSink implements CdEventSink {
  private final String topic;
  private final CloudEventsBinding.Mode mode;
  private final Duration timeout;
  private final Producer<String, byte[]> producer;

  KafkaCdEventSink(
      String topic, CloudEventsBinding.Mode mode, Map<String, Object> config, Duration timeout) {
    this.topic = topic;
    this.mode = mode;
    this.timeout = timeout;
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public void send(CdEvent event) throws SinkFailure {
    ProducerRecord<String, byte[]> record;
    if (mode == CloudEventsBinding.Mode.BINARY) {
      record =
          new ProducerRecord<>(
              topic, event.platform(), event.json().getBytes(StandardCharsets.UTF_8));
      CloudEventsBinding.attributes(event)
          .forEach(
              (name, value) ->
                  record.headers().add("ce_" + name, value.getBytes(StandardCharsets.UTF_8)));
      record
          .headers()
          .add("content-type", CloudEventsBinding.JSON.getBytes(StandardCharsets.UTF_8));
    } else {
      record =
          new ProducerRecord<>(
              topic,
              event.platform(),
              CloudEventsBinding.structured(event).getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add("content-type", CloudEventsBinding.STRUCTURED_JSON.getBytes(StandardCharsets.UTF_8));
    }
    try {
      producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      boolean never =
          cause instanceof RecordTooLargeException
              || cause instanceof InvalidTopicException
              || cause instanceof SerializationException;
      throw new SinkFailure("topic " + topic + ": " + cause.getClass().getSimpleName(), !never);
    } catch (TimeoutException e) {
      throw new SinkFailure("topic " + topic + ": no acknowledgement in " + timeout, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SinkFailure("interrupted", true);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
