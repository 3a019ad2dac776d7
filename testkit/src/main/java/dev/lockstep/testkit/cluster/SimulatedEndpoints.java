package dev.lockstep.testkit.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health endpoints of the workloads of a {@link SimulatedCluster}, so that {@code http} gates
 * have something real to ask: an HTTP server on the loopback address that answers {@code GET
 * /{namespace}/{name}/health} for the Deployment, StatefulSet or DaemonSet of that name, as the
 * workload's own health endpoint would.
 *
 * <ul>
 *   <li>200 {@code {"status":"UP","image":...}} when it has ready replicas and none of its
 *       containers runs a degraded image;
 *   <li>503 {@code {"status":"DEGRADED",...}} when one of its images is {@linkplain #degrade
 *       degraded}: the pods run and are ready, but the service answers badly (a bad release that
 *       the kubelet alone cannot see);
 *   <li>503 {@code {"status":"DOWN",...}} when it has no ready replica (scaled to zero, rolling
 *       out, crash-looping): nothing is there to answer;
 *   <li>404 when no such workload exists.
 * </ul>
 *
 * <p>The answer follows the workload's pod template as it is when asked, so an upgrade to a
 * degraded image turns the endpoint to 503 and a rollback to the previous image turns it back to
 * 200. It only reads the cluster, through a client whose actor is {@value #ACTOR}.
 */
public final class SimulatedEndpoints implements AutoCloseable {

  /** The actor name of its requests to the API server. */
  public static final String ACTOR = "simulated-endpoints";

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedEndpoints.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEALTH =
      Pattern.compile("/([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)/health/?");

  private final SimulatedCluster cluster;
  private final int requestedPort;
  private final Set<String> degraded = ConcurrentHashMap.newKeySet();

  /** Images degraded in one namespace only, as {@code namespace/image}. */
  private final Set<String> degradedIn = ConcurrentHashMap.newKeySet();

  private HttpServer server;
  private ExecutorService executor;
  private KubernetesClient client;
  private boolean closed;

  /** Endpoints on a free port of the loopback address. */
  public SimulatedEndpoints(SimulatedCluster cluster) {
    this(cluster, 0);
  }

  /** Endpoints on the given port of the loopback address, or a free one for 0. */
  public SimulatedEndpoints(SimulatedCluster cluster, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("not a port: " + port);
    }
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.requestedPort = port;
  }

  /**
   * Starts serving; the cluster must have been started.
   *
   * @return these endpoints
   * @throws UncheckedIOException when the port cannot be bound (taken, say)
   */
  public synchronized SimulatedEndpoints start() {
    if (server != null || closed) {
      throw new IllegalStateException("simulated endpoints start once");
    }
    client = cluster.newClient(ACTOR);
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 0);
    } catch (IOException e) {
      client.close();
      throw new UncheckedIOException(
          "the simulated endpoints cannot listen on port " + requestedPort, e);
    }
    executor =
        Executors.newFixedThreadPool(
            4,
            task -> {
              Thread thread = new Thread(task, ACTOR);
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  /** The port it listens on. */
  public synchronized int port() {
    requireStarted();
    return server.getAddress().getPort();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8089}, without a trailing slash. */
  public String baseUrl() {
    return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
  }

  /** The health URL of a workload, e.g. {@code http://127.0.0.1:8089/apps/workbench/health}. */
  public String healthUrl(String namespace, String name) {
    return baseUrl() + "/" + namespace + "/" + name + "/health";
  }

  /**
   * Makes every workload whose pod template runs exactly this image answer 503 DEGRADED, from the
   * next request on; usable before {@link #start()}.
   */
  public SimulatedEndpoints degrade(String image) {
    degraded.add(Objects.requireNonNull(image, "image"));
    return this;
  }

  /** Undoes {@link #degrade} for this image. */
  public SimulatedEndpoints restore(String image) {
    degraded.remove(image);
    return this;
  }

  /**
   * Makes the workloads of one namespace whose pod template runs exactly this image answer 503
   * DEGRADED, from the next request on: several copies of a platform, each in namespaces of its
   * own, where one runs a bad release and the others a good one.
   */
  public SimulatedEndpoints degrade(String namespace, String image) {
    degradedIn.add(
        Objects.requireNonNull(namespace, "namespace")
            + "/"
            + Objects.requireNonNull(image, "image"));
    return this;
  }

  /** Undoes {@link #degrade(String, String)} for this namespace and image. */
  public SimulatedEndpoints restore(String namespace, String image) {
    degradedIn.remove(namespace + "/" + image);
    return this;
  }

  /** Whether this image is degraded (everywhere). */
  public boolean isDegraded(String image) {
    return image != null && degraded.contains(image);
  }

  /** Whether this image is degraded in this namespace: everywhere, or there. */
  public boolean isDegraded(String namespace, String image) {
    return isDegraded(image) || (image != null && degradedIn.contains(namespace + "/" + image));
  }

  /** The degraded images, sorted. */
  public Set<String> degradedImages() {
    return Set.copyOf(new TreeSet<>(degraded));
  }

  /** Stops serving and closes its client. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (client != null) {
      client.close();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      Matcher health = HEALTH.matcher(exchange.getRequestURI().getPath());
      if (!health.matches()) {
        respond(
            exchange,
            HttpURLConnection.HTTP_NOT_FOUND,
            Map.of("message", "not a health endpoint; ask GET /{namespace}/{name}/health"));
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(
            exchange,
            HttpURLConnection.HTTP_BAD_METHOD,
            Map.of("message", method + " is not allowed; use GET"));
        return;
      }
      Answer answer;
      try {
        answer = health(health.group(1), health.group(3));
      } catch (KubernetesClientException e) {
        LOG.warn("Cannot read the workload for {}: {}", exchange.getRequestURI(), e.toString());
        answer =
            new Answer(
                HttpURLConnection.HTTP_BAD_GATEWAY,
                Map.of("status", "UNKNOWN", "message", "the cluster cannot be read"));
      }
      respond(exchange, answer.status(), answer.body());
    }
  }

  /** The answer of one workload's health endpoint. */
  private Answer health(String namespace, String name) {
    Workload workload = find(namespace, name);
    if (workload == null) {
      return new Answer(
          HttpURLConnection.HTTP_NOT_FOUND,
          Map.of(
              "status",
              "NOT_FOUND",
              "message",
              "no Deployment, StatefulSet or DaemonSet " + namespace + "/" + name));
    }
    Map<String, String> images = new LinkedHashMap<>();
    for (Container container : workload.containers()) {
      images.put(container.getName(), container.getImage());
    }
    List<String> bad = new ArrayList<>();
    images.values().stream().filter(image -> isDegraded(namespace, image)).forEach(bad::add);
    Map<String, Object> body = new LinkedHashMap<>();
    int status;
    if (workload.ready() == 0) {
      status = HttpURLConnection.HTTP_UNAVAILABLE;
      body.put("status", "DOWN");
      body.put("message", workload.describe() + " has no ready replica");
    } else if (!bad.isEmpty()) {
      status = HttpURLConnection.HTTP_UNAVAILABLE;
      body.put("status", "DEGRADED");
      body.put("message", workload.describe() + " runs degraded " + String.join(", ", bad));
      body.put("degraded", bad);
    } else {
      status = HttpURLConnection.HTTP_OK;
      body.put("status", "UP");
    }
    body.put("kind", workload.kind());
    body.put("namespace", namespace);
    body.put("name", name);
    body.put("image", images.isEmpty() ? null : images.values().iterator().next());
    body.put("images", images);
    body.put("readyReplicas", workload.ready());
    return new Answer(status, body);
  }

  private Workload find(String namespace, String name) {
    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
    if (deployment != null) {
      return new Workload(
          "Deployment",
          namespace,
          name,
          deployment.getSpec().getTemplate(),
          deployment.getStatus() == null ? null : deployment.getStatus().getReadyReplicas());
    }
    StatefulSet statefulSet =
        client.apps().statefulSets().inNamespace(namespace).withName(name).get();
    if (statefulSet != null) {
      return new Workload(
          "StatefulSet",
          namespace,
          name,
          statefulSet.getSpec().getTemplate(),
          statefulSet.getStatus() == null ? null : statefulSet.getStatus().getReadyReplicas());
    }
    DaemonSet daemonSet = client.apps().daemonSets().inNamespace(namespace).withName(name).get();
    if (daemonSet != null) {
      return new Workload(
          "DaemonSet",
          namespace,
          name,
          daemonSet.getSpec().getTemplate(),
          daemonSet.getStatus() == null ? null : daemonSet.getStatus().getNumberReady());
    }
    return null;
  }

  private static void respond(HttpExchange exchange, int status, Map<String, ?> body)
      throws IOException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      bytes = "{}".getBytes(StandardCharsets.UTF_8);
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private synchronized void requireStarted() {
    if (server == null) {
      throw new IllegalStateException("the simulated endpoints have not been started");
    }
  }

  private record Answer(int status, Map<String, ?> body) {}

  private record Workload(
      String kind, String namespace, String name, PodTemplateSpec template, Integer readyReplicas) {

    List<Container> containers() {
      return template == null || template.getSpec() == null
          ? List.of()
          : template.getSpec().getContainers();
    }

    int ready() {
      return readyReplicas == null ? 0 : readyReplicas;
    }

    String describe() {
      return kind + " " + namespace + "/" + name;
    }
  }
}
