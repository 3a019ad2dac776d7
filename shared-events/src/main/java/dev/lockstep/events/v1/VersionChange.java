package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;

/**
 * One row of the version table: a component, its layer, and the versions it moves between.
 *
 * @param component the component
 * @param layer its layer
 * @param from the version before; null for a component new in the release
 * @param to the version after; null for a removed component
 */
public record VersionChange(
    String component, @Nullable String layer, @Nullable String from, @Nullable String to) {}
