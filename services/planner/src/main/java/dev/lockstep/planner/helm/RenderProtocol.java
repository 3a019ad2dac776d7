package dev.lockstep.planner.helm;

import dev.lockstep.manifest.HelmChart;

/** The lines the planner and its Helm process ({@link HelmRenderChild}) exchange, as JSON. */
final class RenderProtocol {
  /** What starts the line of an answer; other lines on the child's output are not answers. */
  static final String ANSWER = "lockstep-rendering ";

  private RenderProtocol() {}

  /**
   * One chart to render.
   *
   * @param chart the chart, its values and namespace
   * @param release the Helm release name
   */
  record Request(HelmChart chart, String release) {}
}
