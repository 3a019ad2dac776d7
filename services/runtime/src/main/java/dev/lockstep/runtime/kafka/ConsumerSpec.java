package dev.lockstep.runtime.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;

/**
 * What a consumer reads and how it treats failures: bounded retries of the handler with a growing
 * pause, then the dead-letter topic.
 *
 * @param group the consumer group (also the key of processed events)
 * @param topics the topics it reads
 * @param maxAttempts how often the handler is tried before the record is dead-lettered
 * @param retryBackoff the pause before the second attempt; it doubles after each
 * @param rebalanceListener told of partition assignment changes (ownership), or null
 * @param maxPollRecords the most records one poll (and so one batch) holds
 */
public record ConsumerSpec(
    String group,
    List<String> topics,
    int maxAttempts,
    Duration retryBackoff,
    ConsumerRebalanceListener rebalanceListener,
    int maxPollRecords) {

  public ConsumerSpec {
    Objects.requireNonNull(group, "group");
    topics = List.copyOf(topics);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1");
    }
  }

  /** A consumer of the given topics with three attempts, 200 ms apart at first. */
  public static ConsumerSpec of(String group, String... topics) {
    return new ConsumerSpec(group, List.of(topics), 3, Duration.ofMillis(200), null, 200);
  }

  /** The same consumer with another retry policy. */
  public ConsumerSpec withRetries(int attempts, Duration backoff) {
    return new ConsumerSpec(group, topics, attempts, backoff, rebalanceListener, maxPollRecords);
  }

  /** The same consumer, telling a listener of assignment changes. */
  public ConsumerSpec withRebalanceListener(ConsumerRebalanceListener listener) {
    return new ConsumerSpec(group, topics, maxAttempts, retryBackoff, listener, maxPollRecords);
  }

  /** The same consumer, reading at most {@code records} per poll. */
  public ConsumerSpec withMaxPollRecords(int records) {
    return new ConsumerSpec(group, topics, maxAttempts, retryBackoff, rebalanceListener, records);
  }
}
