package dev.lockstep.planner.platforms;

import dev.lockstep.manifest.Release;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.Bundles;

/**
 * The step before planning that renders a release's bundles and charts ({@link BundleResolver}: the
 * Helm engine, which writes temporary files), so that the planner's decisions and {@code
 * UpgradePlanner} take bundles already rendered. One release is rendered at a time, whether for a
 * decision or for a query of the HTTP API.
 */
public final class ReleaseRendering {
  private final BundleResolver resolver;

  /** Renders with the given resolver. */
  public ReleaseRendering(BundleResolver resolver) {
    this.resolver = resolver;
  }

  /** The bundles of every component of the release delivered by manifests or a chart. */
  public synchronized Bundles render(Release release) {
    return resolver.resolve(release, "release");
  }
}
