package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code step.approved}: a validated approval.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param stepId the step
 * @param approvedBy who approved (with the approver role)
 * @param comment what they said
 */
public record StepApproved(
    String upgradeId, String platform, String stepId, String approvedBy, @Nullable String comment)
    implements EventPayload {}
