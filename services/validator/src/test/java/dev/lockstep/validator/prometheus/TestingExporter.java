package dev.lockstep.validator.prometheus;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test exporter: serves {@code /metrics} in the Prometheus text format with, per service, a
 * request counter that grows by 100 at every scrape and an error counter that grows by the error
 * rate the test sets.
 */
final class TestingExporter implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, Double> errorRates = new ConcurrentHashMap<>();
  private final Map<String, long[]> counters = new ConcurrentHashMap<>();

  TestingExporter() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  /** The target Prometheus scrapes. */
  String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Sets the share of a service's requests that fail from the next scrape on. */
  void errorRate(String service, double rate) {
    errorRates.put(service, rate);
  }

  private synchronized String scrape() {
    StringBuilder requests = new StringBuilder("# TYPE app_requests_total counter\n");
    StringBuilder errors = new StringBuilder("# TYPE app_errors_total counter\n");
    for (Map.Entry<String, Double> e : errorRates.entrySet()) {
      long[] c = counters.computeIfAbsent(e.getKey(), k -> new long[2]);
      c[0] += 100;
      c[1] += Math.round(100 * e.getValue());
      requests
          .append("app_requests_total{service=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(c[0])
          .append('\n');
      errors
          .append("app_errors_total{service=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(c[1])
          .append('\n');
    }
    return requests.append(errors).toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
