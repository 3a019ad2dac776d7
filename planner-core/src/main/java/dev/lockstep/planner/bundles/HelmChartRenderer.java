package dev.lockstep.planner.bundles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.lockstep.manifest.HelmChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders charts with the real Helm engine ({@code com.marcnuri.helm-java}, Helm's own Go library
 * run in process, offline). A chart is a directory or a packaged {@code .tgz} named by the release
 * relative to the charts directory ({@code lockstep.planner.charts-dir}); a reference that leads
 * outside it is refused, so that a release cannot make the planner read an arbitrary path.
 */
public final class HelmChartRenderer implements ChartRenderer {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private final Path root;

  /** A renderer of the charts under a directory. */
  public HelmChartRenderer(Path chartsDirectory) {
    this.root = chartsDirectory.toAbsolutePath().normalize();
  }

  /** The charts directory. */
  public Path root() {
    return root;
  }

  @Override
  public Rendering render(HelmChart chart, String release) {
    Path path = root.resolve(chart.chart()).normalize();
    if (Path.of(chart.chart()).isAbsolute() || !path.startsWith(root)) {
      return Rendering.failed("the path leads outside the charts directory " + root);
    }
    if (!Files.exists(path)) {
      return Rendering.failed("no such chart in the charts directory " + root);
    }
    // the Helm engine takes SIGTERM and SIGINT from the JVM: they are given back (helm-java #409)
    return JvmSignalHandlers.restoredAfter(() -> renderWithHelm(chart, path, release));
  }

  private static Rendering renderWithHelm(HelmChart chart, Path path, String release) {
    Path values = null;
    try {
      values = Files.createTempFile("lockstep-values-", ".yaml");
      Files.writeString(values, YAML.writeValueAsString(chart.values()));
      Helm helm = new Helm(path);
      JsonNode declared = YAML.readTree(helm.show().chart().call());
      String version = declared == null ? null : declared.path("version").asText(null);
      TemplateCommand template = helm.template().withName(release).withValuesFile(values);
      if (chart.namespace() != null) {
        template = template.withNamespace(chart.namespace());
      }
      String rendered = template.call();
      String crds = helm.show().crds().call();
      String manifests = crds == null || crds.isBlank() ? rendered : crds + "\n---\n" + rendered;
      return new Rendering(version, manifests, null);
    } catch (IOException e) {
      return Rendering.failed("the chart's values cannot be written for Helm: " + e.getMessage());
    } catch (RuntimeException e) {
      return Rendering.failed(message(e));
    } catch (LinkageError e) {
      return Rendering.failed("the Helm engine cannot run on this machine: " + e.getMessage());
    } finally {
      if (values != null) {
        try {
          Files.deleteIfExists(values);
        } catch (IOException ignored) {
          // a temporary file left behind is harmless
        }
      }
    }
  }

  private static String message(RuntimeException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.strip();
  }
}
