package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;

/**
 * {@code step.retried}: a step failed and its component's {@code retries} allow another attempt, so
 * the executor runs it again (cluster actions are idempotent) instead of failing the upgrade.
 * Published before the new attempt starts; the count of these events is how a restarted executor
 * knows how many attempts were used.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param stepId the step
 * @param wave its wave
 * @param component its component
 * @param action what it does
 * @param attempt the attempt starting now (2 for the first retry)
 * @param attempts how many attempts the step is allowed in all (its retries plus one)
 * @param reason why the attempt before failed, for people
 */
public record StepRetried(
    String upgradeId,
    String platform,
    String stepId,
    int wave,
    String component,
    StepAction action,
    int attempt,
    int attempts,
    String reason)
    implements EventPayload {}
