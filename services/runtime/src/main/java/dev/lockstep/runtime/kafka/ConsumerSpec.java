package dev.lockstep.runtime.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;

/**
 * What a consumer reads and how long it waits between tries. A handler failure that may heal is
 * retried on the same record for as long as it takes, the pause doubling from {@code retryBackoff}
 * up to {@code maxRetryBackoff}; only poison (see {@link Failures}) is dead-lettered. A consumer
 * whose loop fails restarts after pauses that grow the same way.
 *
 * @param group the consumer group (also the key of processed events)
 * @param topics the topics it reads
 * @param retryBackoff the pause before the first retry (and the first restart)
 * @param maxRetryBackoff the longest pause between retries (and restarts)
 * @param rebalanceListener told of partition assignment changes (ownership), or null
 * @param maxPollRecords the most records one poll (and so one batch) holds
 */
public record ConsumerSpec(
    String group,
    List<String> topics,
    Duration retryBackoff,
    Duration maxRetryBackoff,
    ConsumerRebalanceListener rebalanceListener,
    int maxPollRecords) {

  /** The first pause: 200 ms. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(200);

  /** The longest pause: 30 s. */
  public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(30);

  public ConsumerSpec {
    Objects.requireNonNull(group, "group");
    topics = List.copyOf(topics);
    Objects.requireNonNull(retryBackoff, "retryBackoff");
    Objects.requireNonNull(maxRetryBackoff, "maxRetryBackoff");
    if (retryBackoff.isNegative() || retryBackoff.isZero()) {
      throw new IllegalArgumentException("retryBackoff must be positive");
    }
    if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
      throw new IllegalArgumentException("maxRetryBackoff must not be shorter than retryBackoff");
    }
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1");
    }
  }

  /** A consumer of the given topics, retrying after 200 ms doubling up to 30 s. */
  public static ConsumerSpec of(String group, String... topics) {
    return of(group, List.of(topics));
  }

  /** A consumer of the given topics, retrying after 200 ms doubling up to 30 s. */
  public static ConsumerSpec of(String group, List<String> topics) {
    return new ConsumerSpec(
        group, topics, DEFAULT_RETRY_BACKOFF, DEFAULT_MAX_RETRY_BACKOFF, null, 200);
  }

  /** The same consumer with other pauses: the first one, doubling up to {@code max}. */
  public ConsumerSpec withRetryBackoff(Duration initial, Duration max) {
    return new ConsumerSpec(group, topics, initial, max, rebalanceListener, maxPollRecords);
  }

  /** The same consumer, telling a listener of assignment changes. */
  public ConsumerSpec withRebalanceListener(ConsumerRebalanceListener listener) {
    return new ConsumerSpec(group, topics, retryBackoff, maxRetryBackoff, listener, maxPollRecords);
  }

  /** The same consumer, reading at most {@code records} per poll. */
  public ConsumerSpec withMaxPollRecords(int records) {
    return new ConsumerSpec(
        group, topics, retryBackoff, maxRetryBackoff, rebalanceListener, records);
  }

  /** The pause after the given failed attempt (1 for the first): doubling, capped. */
  public Duration backoff(int attempt) {
    Duration pause = retryBackoff;
    for (int i = 1; i < attempt && pause.compareTo(maxRetryBackoff) < 0; i++) {
      pause = pause.multipliedBy(2);
    }
    return pause.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : pause;
  }
}
