package dev.lockstep.validator.prometheus;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus process (Debian's package, {@code /usr/bin/prometheus}, or {@code
 * LOCKSTEP_PROMETHEUS_BIN}) with its own configuration and temporary storage on a free local port,
 * scraping one target every second. A missing binary fails the test with what to install.
 */
final class TestingPrometheus implements AutoCloseable {
  static final String BIN_ENV = "LOCKSTEP_PROMETHEUS_BIN";
  static final String DEFAULT_BIN = "/usr/bin/prometheus";
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);

  private final Path dir;
  private final Process process;
  private final int port;

  private TestingPrometheus(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /** Starts Prometheus scraping {@code target} ({@code host:port}) and waits until it is ready. */
  static TestingPrometheus start(String target) throws IOException, InterruptedException {
    String bin = System.getenv().getOrDefault(BIN_ENV, DEFAULT_BIN);
    if (!Files.isExecutable(Path.of(bin))) {
      throw new AssertionError(
          "Prometheus is not installed at "
              + bin
              + ": install Debian's package (apt-get install -y prometheus) or point "
              + BIN_ENV
              + " at a prometheus binary; the prometheus gate tests need a real Prometheus");
    }
    Path dir = Files.createTempDirectory("validator-prometheus-");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: exporter",
            "    static_configs:",
            "      - targets: ['" + target + "']",
            ""));
    int port = freePort();
    Process process =
        new ProcessBuilder(
                List.of(
                    bin,
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    TestingPrometheus prometheus = new TestingPrometheus(dir, process, port);
    try {
      prometheus.awaitReady();
    } catch (RuntimeException | Error e) {
      prometheus.close();
      throw e;
    }
    return prometheus;
  }

  /** The base URL of its HTTP API. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The raw answer of an instant query. */
  String query(String promql) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    url()
                        + "/api/v1/query?query="
                        + java.net.URLEncoder.encode(
                            promql, java.nio.charset.StandardCharsets.UTF_8)))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  private void awaitReady() throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(READY_WITHIN);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("Prometheus exited with " + process.exitValue() + ": " + log());
      }
      try {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Prometheus was not ready within " + READY_WITHIN + ": " + log());
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Stops the process and deletes its storage. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp folder left behind is harmless.
    }
  }
}
