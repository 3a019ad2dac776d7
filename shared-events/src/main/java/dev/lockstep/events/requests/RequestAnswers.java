package dev.lockstep.events.requests;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Waits for the planner's answer to a request: the {@code plan.created} or {@code plan.rejected} on
 * {@code lockstep.plans} whose causation is the request's event id. It reads the topic without a
 * consumer group (nothing is committed, no other reader is disturbed), from a little before the
 * request was made, so an answer that came before the wait began is found too.
 *
 * <pre>{@code
 * try (RequestAnswers answers = RequestAnswers.connect(Map.of("bootstrap.servers", "localhost:9092"))) {
 *   RequestAnswers.Answer answer = answers.await(request.event(), Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class RequestAnswers implements AutoCloseable {
  /** How far before the request's time the search starts (clocks of producers differ). */
  private static final Duration SLACK = Duration.ofMinutes(1);

  private final KafkaConsumer<String, byte[]> consumer;
  private final EventCodec codec = EventCodec.standard();

  private RequestAnswers(KafkaConsumer<String, byte[]> consumer) {
    this.consumer = consumer;
  }

  /**
   * Connects with the given Kafka client settings ({@code bootstrap.servers} and, where the cluster
   * needs them, security settings); deserializers and offsets are set here.
   */
  public static RequestAnswers connect(Map<String, Object> kafka) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new RequestAnswers(new KafkaConsumer<>(config));
  }

  /** The planner's answer. */
  public sealed interface Answer permits Planned, Rejected {
    /** The answering event. */
    EventEnvelope event();
  }

  /** The request was planned; the executor starts it when its window opens. */
  public record Planned(EventEnvelope event, PlanCreated plan) implements Answer {}

  /** The request was refused, with every problem (code, path, message). */
  public record Rejected(EventEnvelope event, PlanRejected rejection) implements Answer {}

  /**
   * The answer to a request, waiting at most {@code timeout}.
   *
   * @throws TimeoutException when no answer came in time: the planner may be down or busy, or the
   *     request was dead-lettered (its envelope or data could not be read); {@code
   *     lockstep.deadletter} says why
   */
  public Answer await(EventEnvelope request, Duration timeout) throws TimeoutException {
    Instant deadline = Instant.now().plus(timeout);
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.PLANS, timeout).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    long from = request.time().minus(SLACK).toEpochMilli();
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(p -> times.put(p, from));
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times, timeout);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = offsets.get(p);
      consumer.seek(p, at != null ? at.offset() : ends.get(p));
    }
    while (Instant.now().isBefore(deadline)) {
      Duration left = Duration.between(Instant.now(), deadline);
      for (ConsumerRecord<String, byte[]> record :
          consumer.poll(
              left.compareTo(Duration.ofMillis(200)) < 0 ? left : Duration.ofMillis(200))) {
        Answer answer = answerIn(record, request.id());
        if (answer != null) {
          return answer;
        }
      }
    }
    throw new TimeoutException(
        "no plan.created or plan.rejected caused by request "
            + request.id()
            + " (upgrade "
            + request.subject()
            + ") within "
            + timeout
            + "; is the planner running, and is the request on "
            + Topics.DEADLETTER
            + "?");
  }

  private Answer answerIn(ConsumerRecord<String, byte[]> record, String requestId) {
    EventEnvelope event;
    try {
      event = codec.fromRecord(record);
    } catch (EventDecodingException e) {
      return null;
    }
    if (event.data() instanceof PlanCreated created && requestId.equals(event.causationId())) {
      return new Planned(event, created);
    }
    if (event.data() instanceof PlanRejected rejected
        && (requestId.equals(event.causationId()) || requestId.equals(rejected.requestId()))) {
      return new Rejected(event, rejected);
    }
    return null;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
