package dev.lockstep.planner.bundles;

import dev.lockstep.manifest.HelmChart;

/**
 * Renders a component's Helm chart into Kubernetes objects, the way {@code helm template} does: the
 * edge between the pure planner and the Helm engine.
 */
@FunctionalInterface
public interface ChartRenderer {
  /** A renderer that renders nothing: every chart is an error saying so. */
  ChartRenderer NONE =
      (chart, release) ->
          Rendering.failed("this planner has no Helm engine configured to render charts");

  /**
   * The chart rendered with its values, as Helm release {@code release} in the chart's namespace.
   */
  Rendering render(HelmChart chart, String release);

  /**
   * What a chart rendered to, or why it did not.
   *
   * @param chartVersion the version the chart itself declares ({@code Chart.yaml}); null if unknown
   * @param manifests the rendered YAML documents (custom resource definitions of the chart's {@code
   *     crds/} first); null when it failed
   * @param error Helm's message when it failed
   */
  record Rendering(String chartVersion, String manifests, String error) {
    /** A chart that did not render. */
    public static Rendering failed(String error) {
      return new Rendering(null, null, error);
    }

    /** True when the chart rendered. */
    public boolean ok() {
      return error == null;
    }
  }
}
