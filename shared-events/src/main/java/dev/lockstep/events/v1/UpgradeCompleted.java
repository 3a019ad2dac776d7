package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.util.List;

/**
 * {@code upgrade.completed}: every wave ran and passed its gates.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param versions the version table as it ended
 */
public record UpgradeCompleted(String upgradeId, String platform, List<VersionChange> versions)
    implements EventPayload {
  public UpgradeCompleted {
    versions = List.copyOf(versions);
  }
}
