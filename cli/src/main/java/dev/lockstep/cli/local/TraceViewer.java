package dev.lockstep.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The trace viewer of {@code lockstep local --tracing}: Zipkin's server (the executable jar from
 * Maven Central, which the build copies to {@code cli/target/trace-viewer/}) as a process of its
 * own, with its spans in memory. The services send their spans to it with OpenTelemetry's Zipkin
 * exporter; its UI shows each upgrade's trace.
 */
final class TraceViewer implements AutoCloseable {
  /** Where the build leaves Zipkin's jar, below the checkout. */
  static final Path JAR = Path.of("cli", "target", "trace-viewer", "zipkin-server.jar");

  /** Zipkin's own port, where {@code lockstep local} runs it. */
  static final int DEFAULT_PORT = 9411;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final int port;
  private final Path log;

  private TraceViewer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts Zipkin on the port; {@link #awaitReady} waits for it (it takes a few seconds, which the
   * rest of the local mode's start overlaps).
   *
   * @throws IllegalStateException when the checkout's build has not copied Zipkin's jar
   */
  static TraceViewer start(Path checkout, int port, Path directory) {
    Path jar = checkout.resolve(JAR);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no trace viewer in "
              + checkout
              + " (no "
              + JAR
              + "); run `mvn -B -DskipTests package -pl cli` there first");
    }
    try {
      Files.createDirectories(directory);
      Path log = directory.resolve("zipkin.log");
      Process process =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-Xmx192m",
                      "-XX:+UseSerialGC",
                      "-XX:TieredStopAtLevel=1",
                      "-jar",
                      jar.toString(),
                      "--server.port=" + port,
                      "--logging.level.root=WARN"))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new TraceViewer(process, port, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the trace viewer", e);
    }
  }

  /** Waits until Zipkin answers its health check. */
  void awaitReady() {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the trace viewer (Zipkin) exited: see " + log);
      }
      try {
        HttpResponse<Void> health =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (health.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      LocalMode.sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "the trace viewer (Zipkin) did not answer within " + READY_TIMEOUT + ": see " + log);
  }

  /** Zipkin's base URL. */
  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * Stops Zipkin at once: it keeps its spans in memory only, so a graceful stop (about 4 s of its
   * web server's quiet period) would save nothing and hold up the local mode's stop.
   */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
