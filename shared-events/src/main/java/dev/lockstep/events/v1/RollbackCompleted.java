package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.util.List;

/**
 * {@code rollback.completed}: a rollback plan ran to its end.
 *
 * @param upgradeId the rollback's own id
 * @param rollbackOf the upgrade it rolled back
 * @param platform the platform
 * @param versions the version table of the rollback
 */
public record RollbackCompleted(
    String upgradeId, String rollbackOf, String platform, List<VersionChange> versions)
    implements EventPayload {
  public RollbackCompleted {
    versions = List.copyOf(versions);
  }
}
