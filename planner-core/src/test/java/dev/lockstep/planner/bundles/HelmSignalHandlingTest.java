package dev.lockstep.planner.bundles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A process that has rendered a chart with the Helm engine still stops cleanly on SIGTERM (as
 * {@code lockstep local}, Kubernetes and the end-to-end tests stop the planner): it exits at once,
 * with 143, and its shutdown hooks run. Without {@link JvmSignalHandlers} it ignores SIGTERM until
 * it is killed (helm-java issue 409).
 */
class HelmSignalHandlingTest {
  private static final Path CHARTS = Path.of("../docs/examples/sample-platform");

  @Test
  void aProcessThatRenderedAChartStopsOnSigtermAndRunsItsShutdownHooks() throws Exception {
    Path log = Files.createTempFile("render-then-wait-", ".log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                RenderThenWait.class.getName(),
                CHARTS.toString(),
                "charts/manager")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitLine(process, log, RenderThenWait.RENDERED + "charts/manager", Duration.ofSeconds(20));

      process.destroy(); // SIGTERM
      boolean exited = process.waitFor(10, TimeUnit.SECONDS);

      assertThat(exited)
          .as("exited within 10 s of SIGTERM; its output:%n%s", Files.readString(log))
          .isTrue();
      assertThat(process.exitValue()).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(Files.readAllLines(log)).contains(RenderThenWait.HOOK_RAN);
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(log);
    }
  }

  private static void awaitLine(Process process, Path log, String line, Duration timeout)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      List<String> lines = Files.readAllLines(log);
      if (lines.contains(line)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "the process exited with " + process.exitValue() + ":\n" + String.join("\n", lines));
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no line '" + line + "' within " + timeout + ":\n" + Files.readString(log));
  }
}
