package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes Lockstep events to the topic of their type, keyed by platform, with idempotence on and
 * {@code acks=all}: an acknowledged event is on every in-sync replica and written once. Each event
 * gets the current trace context.
 */
@Singleton
public class EventPublisher implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final EventCodec codec;
  private final EventTracing tracing;

  public EventPublisher(
      KafkaSettings settings,
      EventCodec codec,
      EventTracing tracing,
      @Value("${micronaut.application.name:lockstep}") String service) {
    this.producer =
        new KafkaProducer<>(
            producerConfig(settings, service), new StringSerializer(), new ByteArraySerializer());
    this.codec = codec;
    this.tracing = tracing;
  }

  /** The producer settings every Lockstep producer uses. */
  public static Map<String, Object> producerConfig(KafkaSettings settings, String service) {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("client.id", service + "-events");
    config.put("enable.idempotence", true);
    config.put("acks", "all");
    config.put("max.in.flight.requests.per.connection", 5);
    // The services send an event and wait for its acknowledgement before they go on (an intent
    // before its act, a result before the next decision): lingering (the client's default 5 ms)
    // would only hold each such event back. Under load the records still batch behind the
    // requests in flight.
    config.put("linger.ms", 0);
    return config;
  }

  /**
   * Sends an event; the future completes when the broker acknowledged it. Returns the event as sent
   * (with its trace context).
   */
  public CompletableFuture<Sent> publish(EventEnvelope event) {
    EventEnvelope stamped = tracing.stamp(event);
    CompletableFuture<Sent> result = new CompletableFuture<>();
    producer.send(
        codec.toRecord(stamped),
        (metadata, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(new Sent(stamped, metadata));
          }
        });
    return result;
  }

  /**
   * Sends events and waits until the broker acknowledged all of them: for handlers whose effect is
   * the events they publish.
   */
  public List<Sent> publishAndWait(List<EventEnvelope> events) {
    return awaitAll(events.stream().map(this::publish).toList());
  }

  /**
   * Waits until the broker acknowledged every one of these sends (of {@link #publish}, made in
   * order, each in a trace context of its own, say).
   */
  public static List<Sent> awaitAll(List<CompletableFuture<Sent>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Kafka did not take the events: " + e.getCause(), e);
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  /** Sends one event and waits for the acknowledgement. */
  public Sent publishAndWait(EventEnvelope event) {
    return publishAndWait(List.of(event)).get(0);
  }

  @PreDestroy
  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }

  /**
   * An acknowledged event.
   *
   * @param event the event as sent, with its trace context
   * @param metadata where it landed
   */
  public record Sent(EventEnvelope event, RecordMetadata metadata) {}
}
