package dev.lockstep.planner.helm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.planner.bundles.ChartRenderer.Rendering;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The short-lived process that renders charts for the planner ({@link ChildProcessChartRenderer}):
 * Helm's Go library is loaded here rather than into the planner, so that its memory (about 50 MB of
 * relocated pages that stay resident as long as the library is loaded) is given back when this
 * process exits.
 *
 * <p>It reads one {@link RenderProtocol.Request} per line on its standard input and answers each
 * with one line on its standard output that starts with {@link RenderProtocol#ANSWER}; anything
 * else written there (by Helm, say) is ignored by the planner. It ends when its input ends: the
 * planner closes it after a while without renders, or the planner has gone.
 *
 * <p>Argument: the charts directory.
 */
public final class HelmRenderChild {
  private HelmRenderChild() {}

  public static void main(String[] args) throws IOException {
    // answers go to the real standard output; anything Java code prints goes to the log instead
    PrintStream answers =
        new PrintStream(
            new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8.name());
    System.setOut(System.err);
    HelmChartRenderer helm = new HelmChartRenderer(Path.of(args[0]));
    ObjectMapper json = new ObjectMapper();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      Rendering rendering;
      try {
        RenderProtocol.Request request = json.readValue(line, RenderProtocol.Request.class);
        rendering = helm.render(request.chart(), request.release());
      } catch (IOException | RuntimeException e) {
        rendering = Rendering.failed("the render request cannot be read: " + e.getMessage());
      }
      answers.println(RenderProtocol.ANSWER + json.writeValueAsString(rendering));
    }
    // a normal exit: the JVM deletes the copy of Helm's library it unpacked into the temp folder
    System.exit(0);
  }
}
