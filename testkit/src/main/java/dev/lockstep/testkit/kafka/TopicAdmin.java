package dev.lockstep.testkit.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Topic creation and the "every partition has a leader" wait, shared by the in-JVM broker and the
 * broker process so that both come up with the same Lockstep topics.
 */
final class TopicAdmin {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private TopicAdmin() {}

  /**
   * Creates the topics with replication factor 1, ignoring those that already exist, and returns
   * once every partition of every topic has a leader.
   *
   * @throws IllegalStateException if a topic cannot be created or is not ready within {@code
   *     timeout}
   */
  static void createTopics(
      Admin admin,
      String bootstrapServers,
      Collection<String> topics,
      int partitions,
      Duration timeout) {
    Set<String> names = new LinkedHashSet<>(topics);
    if (names.isEmpty()) {
      return;
    }
    try {
      List<NewTopic> newTopics =
          names.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
      for (Map.Entry<String, KafkaFuture<Void>> created :
          admin.createTopics(newTopics).values().entrySet()) {
        try {
          created.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "Could not create topic " + created.getKey() + " on " + bootstrapServers,
                e.getCause());
          }
        }
      }
      awaitLeaders(admin, names, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics " + names, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Timed out creating topics " + names + " on " + bootstrapServers, e);
    }
  }

  /** Polls until every partition of the named topics has a leader. */
  static void awaitLeaders(Admin admin, Set<String> names, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable lastProblem = null;
    while (System.nanoTime() < deadline) {
      try {
        Map<String, TopicDescription> descriptions =
            admin.describeTopics(names).allTopicNames().get();
        if (descriptions.values().stream()
            .flatMap(description -> description.partitions().stream())
            .map(TopicPartitionInfo::leader)
            .allMatch(leader -> leader != null && !leader.isEmpty())) {
          return;
        }
        lastProblem = null;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("Could not describe topics " + names, e.getCause());
        }
        lastProblem = e.getCause();
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    TimeoutException timeoutException =
        new TimeoutException("Partitions of " + names + " have no leader after " + timeout);
    if (lastProblem != null) {
      timeoutException.initCause(lastProblem);
    }
    throw timeoutException;
  }
}
