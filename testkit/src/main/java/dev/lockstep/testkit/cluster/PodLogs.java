package dev.lockstep.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The containers' logs of the {@link SimulatedCluster}, served at {@code GET
 * /api/v1/namespaces/{namespace}/pods/{name}/log} as the real API server serves them: plain text,
 * one line per entry, {@code timestamps=true} puts the RFC 3339 time and a space before each line,
 * {@code sinceSeconds} or {@code sinceTime} (not both) keep the lines written since then, {@code
 * tailLines} the last ones, {@code container} picks the container (required when the pod has more
 * than one). An unknown pod is 404; a container that is not running is 400.
 *
 * <p>Every running container writes one line when it starts. A workload made <em>busy</em> writes a
 * line every so often into its pods' first container, while its pods run: for a while from now
 * ({@link #busy}), or for a while after another workload is scaled to zero ({@link
 * #busyAfterScaledToZero}: a store that flushes after its clients have drained). The lines are
 * computed when they are read, from the pod's start and the busy rules, so nothing runs between
 * reads; {@code follow} is not supported.
 */
public final class PodLogs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final List<Busy> rules = new CopyOnWriteArrayList<>();

  PodLogs(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** One busy rule: lines every {@code every} in [from, until); from is null until triggered. */
  private static final class Busy {
    final String namespace;
    final String workload;
    final Duration every;
    final Duration duration;
    final String afterNamespace;
    final String afterScaledToZero;
    volatile Instant from;

    Busy(
        String namespace,
        String workload,
        Duration every,
        Duration duration,
        String afterNamespace,
        String afterScaledToZero,
        Instant from) {
      this.namespace = namespace;
      this.workload = workload;
      this.every = every;
      this.duration = duration;
      this.afterNamespace = afterNamespace;
      this.afterScaledToZero = afterScaledToZero;
      this.from = from;
    }
  }

  /** One line of a container's log. */
  record Line(Instant time, String text) {}

  /**
   * Makes the workload's pods write a line every {@code every}, from now for {@code duration}
   * ({@code ChronoUnit.FOREVER.getDuration()} for as long as they run).
   */
  public PodLogs busy(String namespace, String workload, Duration every, Duration duration) {
    rules.add(
        new Busy(namespace, workload, positive(every), duration, null, null, clock.instant()));
    return this;
  }

  /**
   * Makes the workload's pods write a line every {@code every} for {@code duration} once the
   * workload {@code drained} (a Deployment or StatefulSet in {@code drainedNamespace}) is first
   * scaled to zero replicas after this call.
   */
  public PodLogs busyAfterScaledToZero(
      String namespace,
      String workload,
      Duration every,
      Duration duration,
      String drainedNamespace,
      String drained) {
    rules.add(
        new Busy(
            namespace,
            workload,
            positive(every),
            duration,
            Objects.requireNonNull(drainedNamespace, "drainedNamespace"),
            Objects.requireNonNull(drained, "drained"),
            null));
    return this;
  }

  /** Forgets every busy rule; pods keep only their start lines. */
  public PodLogs clear() {
    rules.clear();
    return this;
  }

  /** Notes when a watched workload is first scaled to zero (called for every stored change). */
  void stored(String resource, String newState) {
    if (newState == null
        || rules.stream().noneMatch(r -> r.afterScaledToZero != null && r.from == null)
        || !("deployments".equals(resource) || "statefulsets".equals(resource))) {
      return;
    }
    JsonNode object = parse(newState);
    if (object == null || object.path("spec").path("replicas").asInt(1) != 0) {
      return;
    }
    String namespace = object.path("metadata").path("namespace").asText();
    String name = object.path("metadata").path("name").asText();
    Instant now = clock.instant();
    for (Busy rule : rules) {
      if (rule.from == null
          && rule.afterNamespace.equals(namespace)
          && rule.afterScaledToZero.equals(name)) {
        rule.from = now;
      }
    }
  }

  /** The answer to a log request for the pod stored as {@code podJson} (null: no such pod). */
  MockResponse answer(String namespace, String podName, String podJson, String query) {
    if (podJson == null) {
      return status(
          HttpURLConnection.HTTP_NOT_FOUND, "NotFound", "pods \"" + podName + "\" not found");
    }
    Map<String, String> parameters = parameters(query);
    JsonNode pod = parse(podJson);
    List<String> containers = new ArrayList<>();
    pod.path("spec").path("containers").forEach(c -> containers.add(c.path("name").asText()));
    String container = parameters.get("container");
    if (container == null && containers.size() == 1) {
      container = containers.get(0);
    }
    if (container == null) {
      return status(
          HttpURLConnection.HTTP_BAD_REQUEST,
          "BadRequest",
          "a container name must be specified for pod "
              + podName
              + ", choose one of: "
              + containers);
    }
    if (!containers.contains(container)) {
      return status(
          HttpURLConnection.HTTP_BAD_REQUEST,
          "BadRequest",
          "container " + container + " is not valid for pod " + podName);
    }
    Instant startedAt = startedAt(pod, container);
    if (startedAt == null) {
      return status(
          HttpURLConnection.HTTP_BAD_REQUEST,
          "BadRequest",
          "container \"" + container + "\" in pod \"" + podName + "\" is waiting to start");
    }
    if (parameters.containsKey("sinceSeconds") && parameters.containsKey("sinceTime")) {
      return status(
          422, "Invalid", "at most one of `sinceTime` or `sinceSeconds` may be specified");
    }
    Instant now = clock.instant();
    Instant since;
    try {
      since =
          parameters.containsKey("sinceSeconds")
              ? now.minusSeconds(Long.parseLong(parameters.get("sinceSeconds")))
              : parameters.containsKey("sinceTime")
                  ? Instant.parse(parameters.get("sinceTime"))
                  : Instant.MIN;
    } catch (NumberFormatException | DateTimeParseException e) {
      return status(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", e.getMessage());
    }
    boolean first = container.equals(containers.get(0));
    String workload = owner(pod);
    List<Line> lines = lines(namespace, workload, first, container, startedAt, since, now);
    if (parameters.containsKey("tailLines")) {
      int tail = Integer.parseInt(parameters.get("tailLines"));
      lines = lines.subList(Math.max(0, lines.size() - tail), lines.size());
    }
    boolean timestamps = "true".equals(parameters.get("timestamps"));
    StringBuilder body = new StringBuilder();
    for (Line line : lines) {
      if (timestamps) {
        body.append(line.time()).append(' ');
      }
      body.append(line.text()).append('\n');
    }
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_OK)
        .setHeader("Content-Type", "text/plain")
        .setBody(body.toString());
  }

  /** A container's lines written in [since, now], oldest first. */
  private List<Line> lines(
      String namespace,
      String workload,
      boolean first,
      String container,
      Instant startedAt,
      Instant since,
      Instant now) {
    List<Line> lines = new ArrayList<>();
    if (!startedAt.isBefore(since)) {
      lines.add(new Line(startedAt, "container " + container + " started"));
    }
    if (!first || workload == null) {
      return lines;
    }
    for (Busy rule : rules) {
      Instant from = rule.from;
      if (from == null || !rule.namespace.equals(namespace) || !rule.workload.equals(workload)) {
        continue;
      }
      Instant until = plus(from, rule.duration);
      Instant low = latest(latest(from, startedAt), since);
      long everyNanos = rule.every.toNanos();
      long k = ceilDiv(Duration.between(from, low).toNanos(), everyNanos);
      for (Instant t = from.plus(rule.every.multipliedBy(k));
          !t.isAfter(now) && t.isBefore(until);
          t = t.plus(rule.every)) {
        lines.add(new Line(t, workload + " busy: line " + k++));
      }
    }
    lines.sort((a, b) -> a.time().compareTo(b.time()));
    return lines;
  }

  /** The instant, or {@link Instant#MAX} when the duration reaches past it (busy forever). */
  private static Instant plus(Instant instant, Duration duration) {
    try {
      return instant.plus(duration);
    } catch (DateTimeException | ArithmeticException e) {
      return Instant.MAX;
    }
  }

  private static long ceilDiv(long a, long b) {
    return a <= 0 ? 0 : (a + b - 1) / b;
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * The name of the workload that owns the pod (the simulated kubelet's pods are owned directly).
   */
  private static String owner(JsonNode pod) {
    for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
      return ref.path("name").asText(null);
    }
    return null;
  }

  private static Instant startedAt(JsonNode pod, String container) {
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      JsonNode running = status.path("state").path("running");
      if (container.equals(status.path("name").asText()) && running.has("startedAt")) {
        try {
          return Instant.parse(running.get("startedAt").asText());
        } catch (DateTimeParseException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static Map<String, String> parameters(String query) {
    Map<String, String> parameters = new HashMap<>();
    if (query != null) {
      for (String parameter : query.split("&")) {
        int equals = parameter.indexOf('=');
        if (equals > 0) {
          parameters.put(
              parameter.substring(0, equals),
              URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return parameters;
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode status = JSON.createObjectNode();
    status.put("apiVersion", "v1");
    status.put("kind", "Status");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    status.put("code", code);
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(status.toString());
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return null;
    }
  }

  private static Duration positive(Duration every) {
    if (every == null || every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("a busy pod writes a line every positive duration");
    }
    return every;
  }
}
