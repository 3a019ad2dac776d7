package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;

/**
 * {@code approval.requested}: a step waits for a person with the approver role.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param stepId the step
 * @param component its component
 * @param message what the approver is asked
 */
public record ApprovalRequested(
    String upgradeId, String platform, String stepId, String component, String message)
    implements EventPayload {}
