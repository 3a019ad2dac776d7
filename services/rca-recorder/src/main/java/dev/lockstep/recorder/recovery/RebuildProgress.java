package dev.lockstep.recorder.recovery;

import dev.lockstep.recorder.store.Database;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable record of a rebuild from Kafka (tables {@code kafka_rebuild} and {@code
 * kafka_rebuild_partitions}): the end offsets found when it began, which it reads up to, and per
 * partition the first offset not yet stored. The offsets advance in the transaction that stores the
 * rows they cover, so a rebuild cut short resumes exactly where its stored rows end.
 */
public final class RebuildProgress {
  /** Where the recorded rebuild stands. */
  public enum State {
    /** No rebuild was ever recorded. */
    NONE,
    /** A rebuild began and has not finished: the next start resumes it. */
    UNFINISHED,
    /** The rebuild read up to its targets and rebuilt the projections. */
    FINISHED
  }

  /**
   * What is left of a rebuild.
   *
   * @param from per partition, the first offset not yet stored
   * @param to per partition, the end offset found when the rebuild began
   */
  public record Plan(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
    public Plan {
      from = Map.copyOf(from);
      to = Map.copyOf(to);
    }

    /** How many offsets are left to read. */
    public long remaining() {
      long left = 0;
      for (Map.Entry<TopicPartition, Long> target : to.entrySet()) {
        left += Math.max(0, target.getValue() - from.getOrDefault(target.getKey(), 0L));
      }
      return left;
    }

    /** How many offsets the whole rebuild reads. */
    public long total() {
      return to.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final Database database;

  public RebuildProgress(Database database) {
    this.database = database;
  }

  /** Where the recorded rebuild stands. */
  public State state() {
    List<Boolean> finished =
        database.withSession(
            session ->
                session.query(
                    "SELECT finished_at IS NOT NULL AS finished FROM kafka_rebuild WHERE id = 1",
                    List.of(),
                    row -> row.get("finished", Boolean.class)));
    if (finished.isEmpty()) {
      return State.NONE;
    }
    return finished.get(0) ? State.FINISHED : State.UNFINISHED;
  }

  /**
   * Records a rebuild that reads every partition from its start up to the given end offsets, in one
   * transaction.
   */
  public Plan begin(Map<TopicPartition, Long> targets, Instant now) {
    database.inTransaction(
        session -> {
          session.update(
              "INSERT INTO kafka_rebuild (id, started_at) VALUES (1, $1)",
              List.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)));
          for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            session.update(
                "INSERT INTO kafka_rebuild_partitions"
                    + " (topic, kafka_partition, target_offset, next_offset)"
                    + " VALUES ($1, $2, $3, 0)",
                List.of(target.getKey().topic(), target.getKey().partition(), target.getValue()));
          }
          return null;
        });
    return new Plan(Map.of(), targets);
  }

  /** What is left of the recorded rebuild. */
  public Plan plan() {
    Map<TopicPartition, Long> from = new HashMap<>();
    Map<TopicPartition, Long> to = new HashMap<>();
    database.withSession(
        session ->
            session.query(
                "SELECT topic, kafka_partition, target_offset, next_offset"
                    + " FROM kafka_rebuild_partitions",
                List.of(),
                row -> {
                  TopicPartition partition =
                      new TopicPartition(
                          row.get("topic", String.class),
                          row.get("kafka_partition", Integer.class));
                  from.put(partition, row.get("next_offset", Long.class));
                  to.put(partition, row.get("target_offset", Long.class));
                  return partition;
                }));
    return new Plan(from, to);
  }

  /**
   * Moves partitions' progress forward within the caller's transaction, the one that stores the
   * rows below the new offsets; progress never moves back.
   */
  public void advance(Database.Session session, Map<TopicPartition, Long> next) {
    for (Map.Entry<TopicPartition, Long> partition : next.entrySet()) {
      session.update(
          "UPDATE kafka_rebuild_partitions SET next_offset = GREATEST(next_offset, $3)"
              + " WHERE topic = $1 AND kafka_partition = $2",
          List.of(
              partition.getKey().topic(), partition.getKey().partition(), partition.getValue()));
    }
  }

  /** Marks the rebuild finished: its rows and the projections are stored. */
  public void finish(Instant now) {
    database.withSession(
        session ->
            session.update(
                "UPDATE kafka_rebuild SET finished_at = $1 WHERE id = 1 AND finished_at IS NULL",
                List.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC))));
  }
}
