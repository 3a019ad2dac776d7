package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code step.approval-granted}: a person approves a step that waits for approval.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param stepId the step
 * @param approvedBy who approves
 * @param comment what they said
 */
public record StepApprovalGranted(
    String upgradeId, String platform, String stepId, String approvedBy, @Nullable String comment)
    implements EventPayload {}
