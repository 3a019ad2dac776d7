package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.started}: the executor starts a plan.
 *
 * @param upgradeId the upgrade (or rollback)
 * @param platform the platform
 * @param mode upgrade or rollback
 * @param rollbackOf for a rollback, the upgrade it rolls back
 * @param waves how many waves the plan has
 * @param steps how many steps
 */
public record UpgradeStarted(
    String upgradeId,
    String platform,
    PlanMode mode,
    @Nullable String rollbackOf,
    int waves,
    int steps)
    implements EventPayload {}
