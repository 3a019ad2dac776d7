package dev.lockstep.recorder.ingest;

import dev.lockstep.events.Topics;
import io.micronaut.context.annotation.ConfigurationProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the recorder reads Kafka ({@code lockstep.recorder.ingest.*}): its consumer group, the topics
 * (every event topic by default), how many records one batch holds, and whether (and for how long
 * an attempt) an empty event table is first filled from Kafka.
 */
@ConfigurationProperties("lockstep.recorder.ingest")
public class IngestSettings {
  private boolean enabled = true;
  private String group = "rca-recorder";
  private List<String> topics = new ArrayList<>(Topics.EVENT_TOPICS);
  private int maxBatch = 2000;
  private boolean rebuildWhenEmpty = true;
  private Duration rebuildTimeLimit = Duration.ofMinutes(30);

  /** False to run the API without consuming (a read replica, or a test). */
  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The consumer group. */
  public String getGroup() {
    return group;
  }

  public void setGroup(String group) {
    this.group = group;
  }

  /** The topics read. */
  public List<String> getTopics() {
    return topics;
  }

  public void setTopics(List<String> topics) {
    this.topics = topics;
  }

  /**
   * The most records one poll, and so one transaction, holds (2000: what a transaction costs
   * besides its rows, and each projection it refreshes, is shared by that many events).
   */
  public int getMaxBatch() {
    return maxBatch;
  }

  public void setMaxBatch(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  /**
   * True to fill an empty event table from Kafka (or finish a rebuild that was cut short) before
   * consuming; false never rebuilds.
   */
  public boolean isRebuildWhenEmpty() {
    return rebuildWhenEmpty;
  }

  public void setRebuildWhenEmpty(boolean rebuildWhenEmpty) {
    this.rebuildWhenEmpty = rebuildWhenEmpty;
  }

  /**
   * How long one attempt of a rebuild may read; an attempt that runs out keeps what it stored, and
   * the next attempt resumes from there.
   */
  public Duration getRebuildTimeLimit() {
    return rebuildTimeLimit;
  }

  public void setRebuildTimeLimit(Duration rebuildTimeLimit) {
    this.rebuildTimeLimit = rebuildTimeLimit;
  }
}
