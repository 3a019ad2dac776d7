package dev.lockstep.planner.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.kafka.TopicReplay;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Several planner instances in one group: each decides only for the platforms of its partitions,
 * every one answers about every platform, a release published through one is in the catalogue of
 * the next request to another, and when instances leave and join while upgrades are queued every
 * request is planned exactly once.
 */
class PlannerInstancesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PLAN_CREATED = "dev.lockstep.plan.created";

  private final String product = TestingPlanner.unique("fleet");
  private final String group = TestingPlanner.unique("planner-instances");
  private final List<String> platforms = platformsOnEveryPartition(6);
  private final Map<String, List<String>> config = namespaces(platforms);

  /** One planner instance with its HTTP server. */
  private record Instance(ApplicationContext context, EmbeddedServer server)
      implements AutoCloseable {
    static Instance start(String group, Map<String, List<String>> platforms) {
      ApplicationContext context = TestingPlanner.start(group, platforms);
      return new Instance(context, context.getBean(EmbeddedServer.class).start());
    }

    HttpResponse<String> call(String method, String path, String token, String body)
        throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", "Bearer " + token)
              .header("Content-Type", "application/json");
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    boolean consuming() {
      PlannerIntake intake = context.getBean(PlannerIntake.class);
      return intake.consumer() != null && intake.consumer().assigned();
    }

    @Override
    public void close() {
      server.stop();
      context.close();
    }
  }

  @Test
  void everyInstanceAnswersForEveryPlatformAndEachRequestIsPlannedOnceAcrossScaling()
      throws Exception {
    List<Instance> running = new ArrayList<>();
    Instance a = Instance.start(group, config);
    running.add(a);
    Instance b = Instance.start(group, config);
    running.add(b);
    try {
      await(() -> a.consuming() && b.consuming(), "both instances consume");
      TestingPlanner.observeNothingRunning(a.context(), platforms.toArray(String[]::new));
      String token =
          a.context()
              .getBean(TokenIssuer.class)
              .issue("sam", List.of(Roles.SUBMITTER, Roles.VIEWER), Duration.ofMinutes(10));

      // published through one instance, catalogued on the other at once
      assertThat(a.call("POST", "/api/v1/releases", token, release("1.1.0")).statusCode())
          .isEqualTo(202);
      JsonNode catalogue = json(b.call("GET", "/api/v1/releases", token, null));
      assertThat(catalogue.path("releases").findValuesAsText("product")).contains(product);

      // requests through either instance, for platforms of both instances' partitions
      List<String> first = new ArrayList<>();
      for (int i = 0; i < platforms.size(); i++) {
        Instance via = i % 2 == 0 ? a : b;
        first.add(submit(via, token, platforms.get(i), "1.1.0"));
      }
      awaitPlanned(first);
      for (Instance via : List.of(a, b)) {
        for (int i = 0; i < platforms.size(); i++) {
          JsonNode view =
              json(via.call("GET", "/api/v1/platforms/" + platforms.get(i), token, null));
          assertThat(view.path("active").path("upgradeId").asText())
              .as("the active upgrade of %s as one instance sees it", platforms.get(i))
              .isEqualTo(first.get(i));
        }
      }

      // queued behind the running ones, then one instance leaves: the other takes its platforms
      assertThat(a.call("POST", "/api/v1/releases", token, release("1.2.0")).statusCode())
          .isEqualTo(202);
      List<String> second = new ArrayList<>();
      for (String platform : platforms) {
        second.add(submit(b, token, platform, "1.2.0"));
      }
      running.remove(b);
      b.close();
      complete(a, first);
      awaitPlanned(second);

      // a third instance joins: it rebuilds what it now owns and plans nothing again
      Instance joined = Instance.start(group, config);
      running.add(joined);
      await(() -> joined.consuming() && a.consuming(), "the new instance consumes");
      complete(a, second);
      for (int i = 0; i < platforms.size(); i++) {
        String platform = platforms.get(i);
        await(
            () -> "1.2.0".equals(platformView(joined, token, platform).path("release").asText()),
            platform + " at release 1.2.0 as the new instance sees it");
      }
      assertThat(joined.call("POST", "/api/v1/releases", token, release("1.3.0")).statusCode())
          .isEqualTo(202);
      List<String> third = new ArrayList<>();
      for (int i = 0; i < platforms.size(); i++) {
        third.add(submit(i % 2 == 0 ? a : joined, token, platforms.get(i), "1.3.0"));
      }
      List<String> all = new ArrayList<>(first);
      all.addAll(second);
      all.addAll(third);
      Map<String, Integer> plans = awaitPlanned(all);
      assertThat(plans.values()).as("plan.created per upgrade").containsOnly(1);
    } finally {
      running.forEach(Instance::close);
    }
  }

  private String submit(Instance via, String token, String platform, String version)
      throws Exception {
    HttpResponse<String> response =
        via.call(
            "POST",
            "/api/v1/upgrades",
            token,
            "{\"platform\":\""
                + platform
                + "\",\"releaseRef\":{\"product\":\""
                + product
                + "\",\"version\":\""
                + version
                + "\"}}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return json(response).path("upgradeId").asText();
  }

  private void complete(Instance via, List<String> upgradeIds) {
    EventPublisher publisher = via.context().getBean(EventPublisher.class);
    List<EventEnvelope> events = new ArrayList<>();
    for (EventEnvelope plan : planEvents()) {
      if (PLAN_CREATED.equals(plan.type()) && upgradeIds.contains(plan.subject())) {
        events.add(
            EventEnvelope.create(
                EventCatalog.standard(),
                "executor",
                plan.platform(),
                plan.subject(),
                new UpgradeCompleted(plan.subject(), plan.platform(), List.of()),
                plan,
                Clock.systemUTC()));
      }
    }
    assertThat(events).hasSize(upgradeIds.size());
    publisher.publishAndWait(events);
  }

  /** Waits until every upgrade has its plan; the number of plans each got. */
  private Map<String, Integer> awaitPlanned(List<String> upgradeIds) {
    Instant deadline = Instant.now().plus(WAIT);
    Map<String, Integer> counts = new LinkedHashMap<>();
    while (Instant.now().isBefore(deadline)) {
      counts.clear();
      upgradeIds.forEach(id -> counts.put(id, 0));
      for (EventEnvelope e : planEvents()) {
        if (counts.containsKey(e.subject())) {
          assertThat(e.type())
              .as("the planner's answer to %s: %s", e.subject(), e.data())
              .isEqualTo(PLAN_CREATED);
          counts.merge(e.subject(), 1, Integer::sum);
        }
      }
      if (!counts.containsValue(0)) {
        return counts;
      }
      TestingPlanner.pause();
    }
    throw new AssertionError("not every upgrade was planned: " + counts);
  }

  /** Every event on {@code lockstep.plans} about this test's platforms, up to the end now. */
  private List<EventEnvelope> planEvents() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    List<EventEnvelope> events = new ArrayList<>();
    try (TopicReplay replay = TopicReplay.open(config, Duration.ofMillis(200), WAIT)) {
      List<TopicPartition> partitions = replay.partitions(Topics.PLANS);
      replay.read(
          replay.endOffsets(partitions),
          WAIT,
          TopicReplay.decoding(
              EventCodec.standard(),
              e -> {
                if (platforms.contains(e.event().platform())) {
                  events.add(e.event());
                }
              },
              (record, error) -> {}));
    }
    return events;
  }

  private static JsonNode platformView(Instance via, String token, String platform) {
    try {
      return json(via.call("GET", "/api/v1/platforms/" + platform, token, null));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String release(String version) {
    return """
        {"apiVersion":"lockstep.dev/v1","kind":"Release",
         "metadata":{"name":"%s","version":"%s"},
         "spec":{"layers":["core-kernel"],
          "components":[
           {"name":"metis","layer":"core-kernel","version":"%s",
            "workload":{"kind":"Deployment","namespace":"core","name":"metis"},
            "image":"registry.example.com/metis:%s"}]}}
        """
        .formatted(product, version, version, version);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
    return Json.mapper().readTree(response.body());
  }

  private static void await(BooleanSupplier condition, String what) {
    Instant deadline = Instant.now().plus(WAIT);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      TestingPlanner.pause();
    }
  }

  /** Platform ids whose keys cover every partition of the requests topic. */
  private static List<String> platformsOnEveryPartition(int count) {
    int partitions = KafkaBroker.SHARED_TOPIC_PARTITIONS;
    List<String> chosen = new ArrayList<>();
    Set<Integer> covered = new HashSet<>();
    while (covered.size() < partitions || chosen.size() < count) {
      String candidate = TestingPlanner.unique("fleet-platform");
      int partition =
          Utils.toPositive(Utils.murmur2(candidate.getBytes(StandardCharsets.UTF_8))) % partitions;
      if (covered.add(partition) || (covered.size() == partitions && chosen.size() < count)) {
        chosen.add(candidate);
      }
    }
    return chosen;
  }

  private static Map<String, List<String>> namespaces(List<String> platforms) {
    Map<String, List<String>> config = new LinkedHashMap<>();
    platforms.forEach(p -> config.put(p, List.of("core")));
    return config;
  }
}
