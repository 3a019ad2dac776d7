package dev.lockstep.validator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server for http gates: fixed bodies, scripted status sequences, a bearer-protected
 * route, a route that hangs, and a barrier that answers 200 only once many requests are in flight
 * together.
 */
final class TestingHttpServer implements AutoCloseable {
  static final String TOKEN = "Bearer s3cr3t-token-value";

  /** An answer that holds what must not reach an event: credentials and a long body. */
  static final String LEAK =
      "{\"status\":\"DOWN\",\"AccessKeyId\":\"ASIAQX2EXAMPLE7KEY\","
          + "\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\","
          + "\"Token\":\"IQoJb3JpZ2luX2VjEXAMPLE0123456789abcdefSESSION\","
          + "\"note\":\""
          + "x".repeat(400)
          + "\"}";

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final Map<String, Deque<Integer>> sequences = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private volatile CountDownLatch barrier = new CountDownLatch(0);

  TestingHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(pool);
    server.createContext(
        "/health", ex -> answer(ex, 200, "{\"status\":\"UP\",\"version\":\"2.4.0\"}"));
    server.createContext("/degraded", ex -> answer(ex, 200, "{\"status\":\"DOWN\"}"));
    server.createContext("/leak", ex -> answer(ex, 200, LEAK));
    server.createContext(
        "/secure",
        ex -> {
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          answer(ex, TOKEN.equals(auth) ? 200 : 401, "{}");
        });
    server.createContext(
        "/seq/",
        ex -> {
          Deque<Integer> statuses = sequences.get(ex.getRequestURI().getPath());
          Integer status = statuses == null ? null : statuses.pollFirst();
          if (status != null && statuses.isEmpty()) {
            statuses.add(status);
          }
          answer(ex, status == null ? 404 : status, "{}");
        });
    server.createContext(
        "/hang",
        ex -> {
          try {
            Thread.sleep(5_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          answer(ex, 200, "{}");
        });
    server.createContext(
        "/barrier",
        ex -> {
          CountDownLatch latch = barrier;
          latch.countDown();
          boolean together;
          try {
            together = latch.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            together = false;
          }
          answer(ex, together ? 200 : 503, "{}");
        });
    server.start();
  }

  /** The server's base URL. */
  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** A path under /seq/ that answers these statuses in turn, then the last one forever. */
  String sequence(String name, List<Integer> statuses) {
    String path = "/seq/" + name;
    sequences.put(path, new ArrayDeque<>(statuses));
    return url(path);
  }

  /** The /barrier answers 200 only when {@code parties} requests arrive together. */
  void barrier(int parties) {
    barrier = new CountDownLatch(parties);
  }

  /** How many requests reached a path, whatever their method. */
  int hits(String path) {
    AtomicInteger count = hits.get(path);
    return count == null ? 0 : count.get();
  }

  private void answer(HttpExchange ex, int status, String body) throws IOException {
    hits.computeIfAbsent(ex.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
