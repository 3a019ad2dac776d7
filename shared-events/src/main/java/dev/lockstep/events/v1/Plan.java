package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;

/**
 * A plan (DESIGN section 9): the data of {@code plan.created} and the body of a preview.
 *
 * @param upgradeId the upgrade (or rollback) it plans
 * @param platform the platform
 * @param mode upgrade or rollback
 * @param fromRelease the release running before, when known
 * @param toRelease the release it reaches
 * @param versions the version table
 * @param waves the waves, in the order they run
 * @param risk the risk assessment
 * @param expectedDowntime ISO-8601 duration ({@code PT2M})
 * @param window the maintenance window, if any
 * @param rollbackOf for a rollback, the upgrade it rolls back
 * @param releaseNotes the release notes shown to stakeholders
 * @param expectedDuration how long the plan is expected to take when nothing fails, the planner's
 *     estimate from its steps and gates (ISO-8601; added in {@code plan.created} v2, null in v1)
 */
public record Plan(
    String upgradeId,
    String platform,
    PlanMode mode,
    @Nullable String fromRelease,
    @Nullable String toRelease,
    List<VersionChange> versions,
    List<Wave> waves,
    Risk risk,
    Duration expectedDowntime,
    @Nullable Window window,
    @Nullable String rollbackOf,
    @Nullable String releaseNotes,
    @Nullable Duration expectedDuration) {
  public Plan {
    versions = List.copyOf(versions);
    waves = List.copyOf(waves);
  }

  /** A plan without an expected duration (as {@code plan.created} v1 carried it). */
  public Plan(
      String upgradeId,
      String platform,
      PlanMode mode,
      @Nullable String fromRelease,
      @Nullable String toRelease,
      List<VersionChange> versions,
      List<Wave> waves,
      Risk risk,
      Duration expectedDowntime,
      @Nullable Window window,
      @Nullable String rollbackOf,
      @Nullable String releaseNotes) {
    this(
        upgradeId,
        platform,
        mode,
        fromRelease,
        toRelease,
        versions,
        waves,
        risk,
        expectedDowntime,
        window,
        rollbackOf,
        releaseNotes,
        null);
  }

  /** The same plan with an expected duration. */
  public Plan withExpectedDuration(@Nullable Duration duration) {
    return new Plan(
        upgradeId,
        platform,
        mode,
        fromRelease,
        toRelease,
        versions,
        waves,
        risk,
        expectedDowntime,
        window,
        rollbackOf,
        releaseNotes,
        duration);
  }
}
