package dev.lockstep.notifier.message;

import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Window;
import dev.lockstep.notifier.subscription.Severity;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the notifier tells people about one event (or one advance notice): the facts every channel
 * and template draws from. It holds no channel secrets.
 *
 * @param id the source event's id, or {@code advance:<upgradeId>:<lead>} for an advance notice
 * @param type the short event type ({@code upgrade.started}), or {@code upgrade.upcoming}
 * @param severity how urgent it is
 * @param platform the platform
 * @param upgradeId the upgrade, if any
 * @param time when it happened (the event's time)
 * @param reason why, for people (failures, cancels, rejections), if any
 * @param mode upgrade or rollback, when known
 * @param fromRelease the release before, when known
 * @param toRelease the release reached, when known
 * @param versions the version table (empty when the notifier has not seen the plan)
 * @param releaseNotes the release notes, when known
 * @param risk the risk assessment, when known
 * @param window the maintenance window, when known
 * @param expectedDowntime the expected downtime, when known
 * @param leadTime for an advance notice, how long before the window it is sent
 * @param links named links (upgrade status, timeline, post-mortem)
 * @param traceparent the source event's trace context, carried into the outcome events
 * @param startedAt when the upgrade started, when known (Grafana draws a region from it)
 */
public record Notice(
    String id,
    String type,
    Severity severity,
    String platform,
    @Nullable String upgradeId,
    Instant time,
    @Nullable String reason,
    @Nullable String mode,
    @Nullable String fromRelease,
    @Nullable String toRelease,
    List<VersionChange> versions,
    @Nullable String releaseNotes,
    @Nullable Risk risk,
    @Nullable Window window,
    @Nullable Duration expectedDowntime,
    @Nullable Duration leadTime,
    Map<String, String> links,
    @Nullable String traceparent,
    @Nullable Instant startedAt) {

  public Notice {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    versions = versions == null ? List.of() : List.copyOf(versions);
    links = links == null ? Map.of() : new TreeMap<>(links);
  }

  /** The layers the upgrade touches, or null when unknown (no version table). */
  @Nullable
  public Set<String> layers() {
    if (versions.isEmpty()) {
      return null;
    }
    Set<String> layers = new LinkedHashSet<>();
    versions.stream().map(VersionChange::layer).filter(Objects::nonNull).forEach(layers::add);
    return layers;
  }

  /** The components the upgrade touches, or null when unknown (no version table). */
  @Nullable
  public Set<String> components() {
    if (versions.isEmpty()) {
      return null;
    }
    Set<String> components = new LinkedHashSet<>();
    versions.forEach(v -> components.add(v.component()));
    return components;
  }
}
