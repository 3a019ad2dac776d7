package dev.lockstep.testkit.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus process (Debian's package, {@code /usr/bin/prometheus}, or {@code
 * LOCKSTEP_PROMETHEUS_BIN}) with its own configuration and temporary storage on a free local port,
 * scraping its targets and evaluating its rule files every second. A missing binary fails the test
 * with what to install.
 *
 * <pre>{@code
 * try (PrometheusProcess prometheus = PrometheusProcess.start(
 *     List.of(new PrometheusProcess.Scrape("lockstep-executor", "/prometheus", List.of("127.0.0.1:8082"))),
 *     List.of(rulesFile))) {
 *   double completed = prometheus.value("sum(lockstep_upgrades_total{outcome=\"completed\"})");
 *   List<JsonNode> firing = prometheus.firingAlerts();
 * }
 * }</pre>
 */
public final class PrometheusProcess implements AutoCloseable {
  /** The variable that names another prometheus binary. */
  public static final String BIN_ENV = "LOCKSTEP_PROMETHEUS_BIN";

  private static final String DEFAULT_BIN = "/usr/bin/prometheus";
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One scrape job.
   *
   * @param job the job's name (the {@code job} label)
   * @param metricsPath the path of the metrics, {@code /prometheus} for Lockstep's services
   * @param targets {@code host:port} of each target
   */
  public record Scrape(String job, String metricsPath, List<String> targets) {
    public Scrape {
      targets = List.copyOf(targets);
    }
  }

  private final Path dir;
  private final Process process;
  private final int port;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusProcess(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /**
   * Starts Prometheus (scrape and evaluation interval 1 s) and waits until it is ready.
   *
   * @param ruleFiles rule files to load, as they are
   */
  public static PrometheusProcess start(List<Scrape> scrapes, List<Path> ruleFiles) {
    String bin = System.getenv().getOrDefault(BIN_ENV, DEFAULT_BIN);
    if (!Files.isExecutable(Path.of(bin))) {
      throw new AssertionError(
          "Prometheus is not installed at "
              + bin
              + ": install Debian's package (apt-get install -y prometheus) or point "
              + BIN_ENV
              + " at a prometheus binary");
    }
    try {
      Path dir = Files.createTempDirectory("lockstep-prometheus-");
      List<String> config = new ArrayList<>();
      config.add("global:");
      config.add("  scrape_interval: 1s");
      config.add("  scrape_timeout: 1s");
      config.add("  evaluation_interval: 1s");
      if (!ruleFiles.isEmpty()) {
        config.add("rule_files:");
        ruleFiles.forEach(file -> config.add("  - '" + file.toAbsolutePath() + "'"));
      }
      config.add("scrape_configs:");
      for (Scrape scrape : scrapes) {
        config.add("  - job_name: '" + scrape.job() + "'");
        config.add("    metrics_path: '" + scrape.metricsPath() + "'");
        config.add("    static_configs:");
        config.add("      - targets: ['" + String.join("', '", scrape.targets()) + "']");
      }
      Path file = dir.resolve("prometheus.yml");
      Files.writeString(file, String.join("\n", config) + "\n");
      int port = freePort();
      Process process =
          new ProcessBuilder(
                  List.of(
                      bin,
                      "--config.file=" + file,
                      "--storage.tsdb.path=" + dir.resolve("data"),
                      "--web.listen-address=127.0.0.1:" + port,
                      "--log.level=warn"))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      PrometheusProcess prometheus = new PrometheusProcess(dir, process, port);
      try {
        prometheus.awaitReady();
      } catch (RuntimeException | Error e) {
        prometheus.close();
        throw e;
      }
      return prometheus;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base URL of its HTTP API. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The {@code data.result} of an instant query: one object per series, each with its value. */
  public JsonNode query(String promql) {
    JsonNode answer =
        get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!"success".equals(answer.path("status").asText())) {
      throw new AssertionError("query " + promql + " failed: " + answer);
    }
    return answer.at("/data/result");
  }

  /** The value of the first series an instant query answers, or NaN when it answers none. */
  public double value(String promql) {
    JsonNode result = query(promql);
    return result.isEmpty()
        ? Double.NaN
        : Double.parseDouble(result.get(0).at("/value/1").asText());
  }

  /**
   * The alerts firing now (each with its {@code labels}, {@code annotations} and {@code value}).
   */
  public List<JsonNode> firingAlerts() {
    List<JsonNode> firing = new ArrayList<>();
    for (JsonNode alert : get("/api/v1/alerts").at("/data/alerts")) {
      if ("firing".equals(alert.path("state").asText())) {
        firing.add(alert);
      }
    }
    return firing;
  }

  /** The health of each target's latest scrape ({@code up}, {@code down}, {@code unknown}). */
  public List<JsonNode> targets() {
    List<JsonNode> targets = new ArrayList<>();
    get("/api/v1/targets").at("/data/activeTargets").forEach(targets::add);
    return targets;
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(url() + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private void awaitReady() {
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
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    throw new AssertionError("Prometheus was not ready within " + READY_WITHIN + ": " + log());
  }

  /** Its log, for a failure's message. */
  public String log() {
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
