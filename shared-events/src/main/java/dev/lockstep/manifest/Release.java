package dev.lockstep.manifest;

import java.util.List;
import java.util.Optional;

/**
 * A release manifest ({@code apiVersion: lockstep.dev/v1, kind: Release}, DESIGN section 4): the
 * components of a product at one version, their layers, dependencies, delivery and gates. Built by
 * {@link ReleaseParser}, which checks it.
 */
public record Release(String apiVersion, String kind, ReleaseMetadata metadata, ReleaseSpec spec) {
  /** The only manifest API version. */
  public static final String API_VERSION = "lockstep.dev/v1";

  /** The only manifest kind. */
  public static final String KIND = "Release";

  /** The component of that name, if the release has it. */
  public Optional<Component> component(String name) {
    return spec.components().stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** The layers, bottom to top. */
  public List<String> layers() {
    return spec.layers();
  }
}
