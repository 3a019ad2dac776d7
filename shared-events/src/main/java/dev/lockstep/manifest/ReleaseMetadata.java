package dev.lockstep.manifest;

import jakarta.annotation.Nullable;

/**
 * What the release is: product name, semantic version and the notes shown to stakeholders.
 *
 * @param name the product
 * @param version the semver of the release
 * @param notes release notes, Markdown
 */
public record ReleaseMetadata(String name, String version, @Nullable String notes) {}
