package dev.lockstep.cli.soak;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One upgrade the soak submitted, as it ended.
 *
 * @param platform the platform
 * @param kind what the soak did with it
 * @param upgradeId its id
 * @param release the release version submitted
 * @param submittedAt when the soak sent it
 * @param deadline when it had to have ended, its rollbacks included
 * @param end how it ended by the events on the topics, or null when it did not end by the deadline
 * @param endedAt the time of the event that ended it (the producer's), or null
 * @param status the recorder's final status of it, or what it last said when it did not end there
 * @param rollbacks the ids of its rollbacks
 * @param notes what the soak did along the way (cancel, rollback request, approvals), for people
 */
record UpgradeRun(
    String platform,
    UpgradeKind kind,
    String upgradeId,
    String release,
    Instant submittedAt,
    Instant deadline,
    String end,
    Instant endedAt,
    String status,
    List<String> rollbacks,
    List<String> notes) {

  /** How long it took from submission to its end, or null when it did not end. */
  Duration took() {
    return endedAt == null ? null : Duration.between(submittedAt, endedAt);
  }
}
