package dev.lockstep.cli.local;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether a service's consumer group has handled what was on its topics at a moment: its committed
 * offsets have reached the ends its partitions had then. The local mode waits for it before it
 * shows what a service made of an upgrade (the teams' feeds are the notifier's), so that a busy
 * machine does not show a summary older than the upgrade's end.
 */
final class ConsumerGroupProgress {
  private static final Duration POLL = Duration.ofMillis(200);

  private ConsumerGroupProgress() {}

  /**
   * Waits until the group has committed, on every partition it has committed on, at least up to
   * that partition's end as it is now.
   *
   * @return whether it had within the timeout
   */
  static boolean awaitCaughtUp(String bootstrapServers, String group, Duration timeout) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      Instant deadline = Instant.now().plus(timeout);
      Map<TopicPartition, Long> ends = ends(admin, committed(admin, group));
      while (true) {
        Map<TopicPartition, Long> committed = committed(admin, group);
        if (ends.entrySet().stream()
            .allMatch(end -> committed.getOrDefault(end.getKey(), -1L) >= end.getValue())) {
          return true;
        }
        if (!Instant.now().plus(POLL).isBefore(deadline)) {
          return false;
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private static Map<TopicPartition, Long> committed(Admin admin, String group)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    committed.forEach(
        (partition, offset) -> {
          if (offset != null) {
            offsets.put(partition, offset.offset());
          }
        });
    return offsets;
  }

  private static Map<TopicPartition, Long> ends(Admin admin, Map<TopicPartition, Long> partitions)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
    return ends;
  }
}
