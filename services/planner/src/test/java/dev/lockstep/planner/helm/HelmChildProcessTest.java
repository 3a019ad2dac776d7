package dev.lockstep.planner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.manifest.HelmChart;
import dev.lockstep.planner.bundles.ChartRenderer.Rendering;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Charts rendered by Helm in a process of the planner's own, which ends when no chart has been
 * rendered for a while: the same objects as Helm in the planner, Helm's own errors, and a chart
 * rendered again from the same files and values answered without starting Helm again.
 */
class HelmChildProcessTest {
  private static final Path CHARTS = Path.of("src/test/resources/charts");
  private static final HelmChart ROK_API =
      new HelmChart("rok-api", "1.4.0", Map.of("image", Map.of("tag", "1.4.0")), "rok");

  @Test
  void rendersWhatHelmRendersInProcessThenEndsWhenIdle() throws Exception {
    Rendering inProcess = new HelmChartRenderer(CHARTS).render(ROK_API, "rok-api");
    try (ChildProcessChartRenderer child =
        new ChildProcessChartRenderer(CHARTS, Duration.ofMillis(500))) {
      Rendering rendered = child.render(ROK_API, "rok-api");

      assertThat(rendered.ok()).as(rendered.error()).isTrue();
      assertThat(rendered).isEqualTo(inProcess);
      assertThat(rendered.manifests()).contains("registry.example.com/rok-api:1.4.0");
      assertThat(child.childRunning()).isTrue();
      awaitEnded(child);
      // started again for the next chart
      assertThat(child.render(ROK_API, "rok-api")).isEqualTo(inProcess);
    }
  }

  @Test
  void answersWithHelmsOwnErrorAndKeepsRendering() {
    try (ChildProcessChartRenderer child =
        new ChildProcessChartRenderer(CHARTS, Duration.ofSeconds(30))) {
      Rendering failed = child.render(new HelmChart("rok-api", "1.4.0", Map.of(), "rok"), "x");
      Rendering outside = child.render(new HelmChart("../rok-api", "1.4.0", null, "x"), "x");

      assertThat(failed.ok()).isFalse();
      assertThat(failed.error()).contains("image.tag is required");
      assertThat(outside.error()).contains("outside the charts directory");
      assertThat(child.render(ROK_API, "rok-api").ok()).isTrue();
    }
  }

  @Test
  void closingThePlannersRendererEndsHelmsProcess() {
    ChildProcessChartRenderer child = new ChildProcessChartRenderer(CHARTS, Duration.ofMinutes(5));
    assertThat(child.render(ROK_API, "rok-api").ok()).isTrue();

    child.close();

    assertThat(child.childRunning()).isFalse();
    assertThat(child.render(ROK_API, "rok-api").error()).contains("stopping");
  }

  @Test
  void rendersAgainOnlyWhatChanged(@TempDir Path charts) throws Exception {
    copy(CHARTS.resolve("rok-api"), charts.resolve("rok-api"));
    try (ChildProcessChartRenderer child =
        new ChildProcessChartRenderer(charts, Duration.ofMillis(200))) {
      RenderingCache cache = new RenderingCache(child, charts, 8);
      Rendering first = cache.render(ROK_API, "rok-api");
      awaitEnded(child);

      Rendering again = cache.render(ROK_API, "rok-api");
      assertThat(again).isEqualTo(first);
      assertThat(child.childRunning()).as("answered without Helm").isFalse();

      HelmChart otherTag =
          new HelmChart("rok-api", "1.4.0", Map.of("image", Map.of("tag", "2")), "rok");
      assertThat(cache.render(otherTag, "rok-api").manifests()).contains("rok-api:2\"");
      awaitEnded(child);

      Path template = charts.resolve("rok-api/templates/configmap.yaml");
      Files.writeString(
          template,
          Files.readString(template).replace("name:", "name: edited-"),
          java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
      Rendering edited = cache.render(ROK_API, "rok-api");
      assertThat(edited.manifests()).isNotEqualTo(first.manifests()).contains("edited-");
    }
  }

  @Test
  void aHelmProcessKilledDuringARenderIsReplacedAndTheChartRendered() throws Exception {
    try (ChildProcessChartRenderer child =
        new ChildProcessChartRenderer(CHARTS, Duration.ofSeconds(30))) {
      CompletableFuture<Rendering> rendering =
          CompletableFuture.supplyAsync(() -> child.render(ROK_API, "rok-api"));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (child.childPid() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long first = child.childPid();
      assertThat(first).as("a Helm process started").isPositive();
      // killed at once: a JVM that loads Helm's library cannot have answered yet
      ProcessHandle.of(first).ifPresent(ProcessHandle::destroyForcibly);

      Rendering rendered = rendering.get(60, TimeUnit.SECONDS);
      assertThat(rendered.ok()).as(rendered.error()).isTrue();
      assertThat(rendered.manifests()).contains("registry.example.com/rok-api:1.4.0");
      assertThat(child.childPid()).as("rendered by a new process").isNotEqualTo(first);
    }
  }

  @Test
  void helmsLibraryIsUnpackedOnceIntoItsDirectoryAndLoadedFromThere(@TempDir Path library)
      throws Exception {
    assertThat(com.marcnuri.helm.jni.NativeLibrary.getInstance())
        .as("helm-java finds the planner's library service first")
        .isInstanceOf(UnpackedHelmLibrary.class);
    Rendering inProcess = new HelmChartRenderer(CHARTS).render(ROK_API, "rok-api");
    try (ChildProcessChartRenderer child =
        new ChildProcessChartRenderer(CHARTS, Duration.ofMillis(200), library)) {
      assertThat(child.render(ROK_API, "rok-api")).isEqualTo(inProcess);
      List<Path> unpacked;
      try (Stream<Path> files = Files.list(library)) {
        unpacked = files.toList();
      }
      assertThat(unpacked)
          .singleElement()
          .satisfies(f -> assertThat(f.getFileName().toString()).startsWith("helm-linux-amd64-"));
      FileTime written = Files.getLastModifiedTime(unpacked.get(0));
      awaitEnded(child);

      // the next process loads the same file: not written again
      assertThat(child.render(ROK_API, "rok-api")).isEqualTo(inProcess);
      assertThat(Files.getLastModifiedTime(unpacked.get(0))).isEqualTo(written);
      try (Stream<Path> files = Files.list(library)) {
        assertThat(files.toList()).containsExactlyElementsOf(unpacked);
      }
    }
  }

  private static void awaitEnded(ChildProcessChartRenderer child) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (child.childRunning() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(child.childRunning()).as("Helm's process ended when idle").isFalse();
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }
}
