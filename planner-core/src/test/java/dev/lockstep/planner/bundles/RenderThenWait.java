package dev.lockstep.planner.bundles;

import dev.lockstep.manifest.HelmChart;
import java.nio.file.Path;
import java.util.Map;

/**
 * A process that renders a chart through {@link HelmChartRenderer}, as the planner does, then waits
 * to be stopped: {@link HelmSignalHandlingTest} starts it and sends it SIGTERM. Its shutdown hook
 * prints {@value #HOOK_RAN}.
 *
 * <p>Arguments: the charts directory and the chart to render in it.
 */
public final class RenderThenWait {
  static final String HOOK_RAN = "shutdown hook ran";
  static final String RENDERED = "rendered ";

  private RenderThenWait() {}

  public static void main(String[] args) throws InterruptedException {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println(HOOK_RAN);
                  System.out.flush();
                }));
    HelmChartRenderer renderer = new HelmChartRenderer(Path.of(args[0]));
    HelmChart chart =
        new HelmChart(args[1], null, Map.of("image", Map.of("tag", "1.7.0")), "signals");
    // twice: the Helm engine's signal handlers are put back after every call, not only the first
    for (int i = 0; i < 2; i++) {
      ChartRenderer.Rendering rendering = renderer.render(chart, "signals");
      if (!rendering.ok()) {
        System.out.println("the chart did not render: " + rendering.error());
        System.exit(2);
      }
    }
    System.out.println(RENDERED + args[1]);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
