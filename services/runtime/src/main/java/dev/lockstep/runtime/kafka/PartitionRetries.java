package dev.lockstep.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions of one {@link EventConsumer} that wait to try a record (or a batch) again: where
 * each was rewound to, how many attempts failed, and when it may be read again. A waiting partition
 * is paused, so the consumer keeps polling the others. Used on the consumer's thread; {@link
 * #count} may be read from any.
 */
final class PartitionRetries {
  private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);

  private final ConsumerSpec spec;
  private final Duration poll;
  private final Map<TopicPartition, Retry> retries = new HashMap<>();
  private volatile int count;

  /**
   * @param spec the consumer's spec (its group and backoff)
   * @param poll the consumer's longest poll
   */
  PartitionRetries(ConsumerSpec spec, Duration poll) {
    this.spec = spec;
    this.poll = poll;
  }

  /** How many partitions wait to try again. */
  int count() {
    return count;
  }

  /**
   * Rewinds the partition to the offset to try again and pauses it until the backoff has passed;
   * answers which attempt failed.
   */
  int later(KafkaConsumer<String, byte[]> kafka, TopicPartition partition, long offset) {
    Retry previous = retries.get(partition);
    int attempt = previous != null && previous.offset() == offset ? previous.attempt() + 1 : 1;
    Duration pause = spec.backoff(attempt);
    retries.put(partition, new Retry(offset, attempt, pause, System.nanoTime() + pause.toNanos()));
    count = retries.size();
    kafka.seek(partition, offset);
    kafka.pause(List.of(partition));
    return attempt;
  }

  /** Logs a failed attempt: with its stack trace the first time, in one line after. */
  void log(String what, int attempt, TopicPartition partition, Throwable failed) {
    Duration pause = retries.get(partition).pause();
    if (attempt == 1) {
      LOG.warn(
          "{} {} (attempt {}); trying again in {}, for as long as it takes",
          spec.group(),
          what,
          attempt,
          pause,
          failed);
    } else {
      LOG.warn(
          "{} {} (attempt {}); trying again in {}: {}",
          spec.group(),
          what,
          attempt,
          pause,
          failed.toString());
    }
  }

  /** The partition's record (or batch) is done: it no longer waits for a retry. */
  void done(TopicPartition partition) {
    Retry retry = retries.remove(partition);
    if (retry != null) {
      count = retries.size();
      LOG.info(
          "{} carries on with {} after {} failed attempts",
          spec.group(),
          partition,
          retry.attempt());
    }
  }

  /** Forgets the partitions (revoked or lost: their new owner starts afresh). */
  void forget(Collection<TopicPartition> partitions) {
    partitions.forEach(retries::remove);
    count = retries.size();
  }

  /** Forgets every partition (the Kafka consumer is closed). */
  void clear() {
    retries.clear();
    count = 0;
  }

  /** Resumes the paused partitions whose pause has passed: the next poll reads them again. */
  void resumeDue(KafkaConsumer<String, byte[]> kafka) {
    if (retries.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    List<TopicPartition> due = new ArrayList<>();
    for (Map.Entry<TopicPartition, Retry> retry : retries.entrySet()) {
      if (retry.getValue().dueNanos() - now <= 0) {
        due.add(retry.getKey());
      }
    }
    due.retainAll(kafka.paused());
    if (!due.isEmpty()) {
      kafka.resume(due);
    }
  }

  /** The poll's time-out: short enough to resume a paused partition when its pause has passed. */
  Duration pollTimeout() {
    long timeout = poll.toNanos();
    long now = System.nanoTime();
    for (Retry retry : retries.values()) {
      long left = retry.dueNanos() - now;
      if (left > 0) {
        // A retry already due has been resumed: its records come with the next fetch.
        timeout = Math.min(timeout, left);
      }
    }
    return Duration.ofNanos(timeout);
  }

  /**
   * A record or batch waiting to be tried again.
   *
   * @param offset where its partition was rewound to
   * @param attempt how many attempts failed
   * @param pause the pause before the next
   * @param dueNanos when the next may start ({@link System#nanoTime()})
   */
  private record Retry(long offset, int attempt, Duration pause, long dueNanos) {}
}
