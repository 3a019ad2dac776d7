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
 * @param deadline when it had to have ended, its rollbacks included (see {@link Deadlines}); while
 *     it runs, when the soak gives up following it
 * @param end how it ended by the events on the topics, or null when it did not end by the deadline
 * @param endedAt the time of the event that ended it (the producer's), or null
 * @param status the recorder's final status of it, or what it last said when it did not end there
 * @param rollbacks the ids of its rollbacks
 * @param notes what the soak did along the way (cancel, rollback request, approvals), for people
 * @param deadlineBasis how its deadline was reached, once it was ({@link Deadlines})
 */
public record UpgradeRun(
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
    List<String> notes,
    String deadlineBasis) {

  /** A run as the soak followed it, before its deadline is derived from its plans. */
  UpgradeRun(
      String platform,
      UpgradeKind kind,
      String upgradeId,
      String release,
      Instant submittedAt,
      Instant giveUpAt,
      String end,
      Instant endedAt,
      String status,
      List<String> rollbacks,
      List<String> notes) {
    this(
        platform,
        kind,
        upgradeId,
        release,
        submittedAt,
        giveUpAt,
        end,
        endedAt,
        status,
        rollbacks,
        notes,
        null);
  }

  /** The same run with its deadline derived from its plans. */
  UpgradeRun withDeadline(Deadlines.Deadline derived) {
    return new UpgradeRun(
        platform,
        kind,
        upgradeId,
        release,
        submittedAt,
        derived.at(),
        end,
        endedAt,
        status,
        rollbacks,
        notes,
        derived.basis());
  }

  /** How long it took from submission to its end, or null when it did not end. */
  public Duration took() {
    return endedAt == null ? null : Duration.between(submittedAt, endedAt);
  }
}
