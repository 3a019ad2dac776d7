package dev.lockstep.notifier;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real HTTP receiver (the JDK's server) that records every request and answers with a status
 * chosen per request: for webhooks, Slack and Grafana in tests.
 */
public final class TestingReceiver implements AutoCloseable {
  /**
   * A request as received.
   *
   * @param path the path
   * @param headers the headers (first value, lower-case names)
   * @param body the body
   * @param status the status answered
   */
  public record Request(String path, Map<String, String> headers, String body, int status) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile boolean alwaysFail;

  public TestingReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Map<String, String> headers = new java.util.TreeMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
          int status =
              alwaysFail || failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 200;
          requests.add(new Request(exchange.getRequestURI().getPath(), headers, body, status));
          byte[] answer = (status == 200 ? "ok" : "unavailable").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
  }

  /** The base URL, {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers 503 to the next {@code n} requests. */
  public void failNext(int n) {
    failuresLeft.set(n);
  }

  /** Answers 503 to every request (or stops doing so). */
  public void failAlways(boolean fail) {
    alwaysFail = fail;
  }

  /** Every request so far. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests that match. */
  public List<Request> requests(Predicate<Request> filter) {
    return requests.stream().filter(filter).toList();
  }

  /** Waits until {@code count} requests match; returns them. */
  public List<Request> await(Predicate<Request> filter, int count) throws InterruptedException {
    return Poll.until(
        () -> requests(filter), found -> found.size() >= count, Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
