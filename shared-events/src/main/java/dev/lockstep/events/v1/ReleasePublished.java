package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import dev.lockstep.manifest.Release;

/**
 * {@code release.published}: a release enters the catalogue.
 *
 * @param release the manifest
 * @param publishedBy who published it
 */
public record ReleasePublished(Release release, String publishedBy) implements EventPayload {}
