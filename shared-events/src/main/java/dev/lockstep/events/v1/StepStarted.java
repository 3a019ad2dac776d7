package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;

/**
 * {@code step.started}: the executor's intent to run a step, written before it acts.
 *
 * @param upgradeId the upgrade
 * @param stepId the step
 * @param wave its wave
 * @param component its component
 * @param action what it does
 * @param attempt 1 for the first attempt; higher after a restart
 */
public record StepStarted(
    String upgradeId, String stepId, int wave, String component, StepAction action, int attempt)
    implements EventPayload {}
