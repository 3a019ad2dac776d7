package dev.lockstep.planner.bundles;

import static dev.lockstep.planner.TestingReleases.customResource;
import static dev.lockstep.planner.TestingReleases.helm;
import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.manifests;
import static dev.lockstep.planner.TestingReleases.object;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.planner.intake.PlannerIntake;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Through the real broker and HTTP server, with the Helm engine and the configured charts and
 * manifests directories: a release of all four kinds becomes a plan that embeds what each step
 * applies, a chart that does not render is rejected with Helm's message, the next bundle deletes
 * what it drops, a failed upgrade's automatic rollback puts back every recorded before-state, and a
 * release posted as YAML has its {@code manifests: { file: ... }} read and embedded.
 */
class DeliveriesPlannedIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String KAFKA_PLATFORM = TestingPlanner.unique("deliveries");
  private static final String HTTP_PLATFORM = TestingPlanner.unique("deliveries-http");

  private static final Map<String, Object> ACCOUNT =
      object("v1", "ServiceAccount", "rok", "rok-operator", Map.of());
  private static final Map<String, Object> LEGACY =
      object("v1", "ConfigMap", "rok", "rok-legacy", Map.of("data", Map.of("mode", "legacy")));

  private static ApplicationContext context;
  private static EmbeddedServer server;

  @BeforeAll
  static void start() {
    context =
        TestingPlanner.start(
            TestingPlanner.unique("planner-deliveries"),
            Map.of(KAFKA_PLATFORM, List.of("core", "rok"), HTTP_PLATFORM, List.of("core", "rok")),
            Map.of(
                "lockstep.planner.charts-dir", "src/test/resources/charts",
                "lockstep.planner.manifests-dir", "src/test/resources"));
    server = context.getBean(EmbeddedServer.class).start();
    TestingPlanner.observeNothingRunning(context, KAFKA_PLATFORM, HTTP_PLATFORM);
    Instant deadline = Instant.now().plus(WAIT);
    PlannerIntake intake = context.getBean(PlannerIntake.class);
    while (Instant.now().isBefore(deadline)
        && (intake.consumer() == null || !intake.consumer().assigned())) {
      TestingPlanner.pause();
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (context != null) {
      context.close();
    }
  }

  @SafeVarargs
  private static Release rok(String version, String tag, Map<String, Object>... bundle) {
    return release(
        version,
        List.of(),
        image("metis", "core-kernel", version, Map.of()),
        manifests("rok-operator", "core-kernel", version, bundle),
        helm(
            "rok-api",
            "user-space",
            version,
            "rok-api",
            "1.2.0",
            "rok",
            tag == null ? Map.of() : Map.of("image", Map.of("tag", tag))),
        customResource(
            "rok-cluster",
            "user-space",
            version,
            new CustomResource(
                "rok.example.com/v1",
                "RokCluster",
                "rok",
                "main",
                Map.of("spec.version", version),
                Map.of("status.version", version),
                "5m")));
  }

  private static void send(EventPayload payload) {
    context
        .getBean(EventPublisher.class)
        .publishAndWait(
            EventEnvelope.create(
                EventCatalog.standard(),
                "test",
                KAFKA_PLATFORM,
                null,
                payload,
                null,
                Clock.systemUTC()));
  }

  private static Plan awaitPlan(String platform, String upgradeId) {
    List<EventEnvelope> plans =
        TestingPlanner.plans(
            platform,
            es -> TestingPlanner.find(es, "dev.lockstep.plan.created", upgradeId).isPresent(),
            WAIT);
    return TestingPlanner.find(plans, "dev.lockstep.plan.created", upgradeId)
        .orElseThrow(() -> new AssertionError("no plan for " + upgradeId + " in " + plans))
        .dataAs(PlanCreated.class)
        .plan();
  }

  private static PlanStep step(Plan plan, String component) {
    return plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(s -> s.component().equals(component))
        .findFirst()
        .orElseThrow();
  }

  private static ObjectState existed(Map<String, Object> manifest) {
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) manifest.get("metadata");
    return new ObjectState(
        (String) manifest.get("apiVersion"),
        (String) manifest.get("kind"),
        (String) metadata.get("namespace"),
        (String) metadata.get("name"),
        true,
        "7",
        null,
        null,
        null,
        null,
        manifest);
  }

  private static StepSucceeded succeeded(String upgradeId, PlanStep step, ObjectState... before) {
    return new StepSucceeded(
        upgradeId,
        step.id(),
        0,
        step.component(),
        step.action(),
        step.from(),
        step.to(),
        List.of(before),
        null);
  }

  @Test
  void everyDeliveryIsPlannedWithWhatItAppliesAndRolledBackToItsBeforeStates() {
    // upgrade ids are global on the shared broker: each test's are its own
    String noTag = TestingPlanner.unique("u-no-tag");
    String u1 = TestingPlanner.unique("u-1");
    String u2 = TestingPlanner.unique("u-2");
    send(
        new UpgradeRequested(
            noTag, KAFKA_PLATFORM, rok("1.0.0", null, ACCOUNT), null, "alice", null, null));
    send(
        new UpgradeRequested(
            u1, KAFKA_PLATFORM, rok("1.0.0", "1.0.0", ACCOUNT, LEGACY), null, "alice", null, null));

    Plan first = awaitPlan(KAFKA_PLATFORM, u1);
    PlanRejected rejected =
        TestingPlanner.find(
                TestingPlanner.plans(
                    KAFKA_PLATFORM,
                    es -> TestingPlanner.find(es, "dev.lockstep.plan.rejected", noTag).isPresent(),
                    WAIT),
                "dev.lockstep.plan.rejected",
                noTag)
            .orElseThrow()
            .dataAs(PlanRejected.class);
    assertThat(rejected.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path()).isEqualTo("release.spec.components[2].helm.chart");
              assertThat(e.message()).contains("does not render").contains("image.tag is required");
            });
    assertThat(step(first, "metis").action()).isEqualTo(StepAction.SET_IMAGE);
    assertThat(step(first, "rok-operator").objects()).containsExactly(ACCOUNT, LEGACY);
    PlanStep chart = step(first, "rok-api");
    assertThat(chart.action()).isEqualTo(StepAction.APPLY);
    assertThat(chart.objects())
        .extracting(Bundles::ref)
        .containsExactlyInAnyOrder(
            new ObjectRef("apps/v1", "Deployment", "rok", "rok-api"),
            new ObjectRef("v1", "ConfigMap", "rok", "rok-api-config"));
    assertThat(step(first, "rok-cluster").customResource().set())
        .isEqualTo(Map.of("spec.version", "1.0.0"));

    for (String component : List.of("metis", "rok-operator", "rok-api", "rok-cluster")) {
      send(succeeded(u1, step(first, component)));
    }
    send(new UpgradeCompleted(u1, KAFKA_PLATFORM, List.of()));
    send(
        new UpgradeRequested(
            u2, KAFKA_PLATFORM, rok("1.1.0", "1.1.0", ACCOUNT), null, "alice", null, null));

    Plan second = awaitPlan(KAFKA_PLATFORM, u2);
    PlanStep operator = step(second, "rok-operator");
    assertThat(operator.objects()).containsExactly(ACCOUNT);
    assertThat(operator.targets())
        .as("the ConfigMap the new bundle drops is deleted")
        .containsExactly(new ObjectRef("v1", "ConfigMap", "rok", "rok-legacy"));

    StepSucceeded applied = succeeded(u2, operator, existed(ACCOUNT), existed(LEGACY));
    Map<String, Object> cluster =
        object(
            "rok.example.com/v1",
            "RokCluster",
            "rok",
            "main",
            Map.of("spec", Map.of("version", "1.0.0"), "status", Map.of("version", "1.0.0")));
    StepSucceeded patched = succeeded(u2, step(second, "rok-cluster"), existed(cluster));
    send(applied);
    send(patched);
    send(
        new UpgradeFailed(
            u2,
            KAFKA_PLATFORM,
            "gate failed",
            null,
            "error-rate",
            false,
            List.of(
                new StepOutcome(
                    applied.stepId(),
                    "rok-operator",
                    StepAction.APPLY,
                    "1.0.0",
                    "1.1.0",
                    applied.before(),
                    null),
                new StepOutcome(
                    patched.stepId(),
                    "rok-cluster",
                    StepAction.PATCH_RESOURCE,
                    "1.0.0",
                    "1.1.0",
                    patched.before(),
                    null))));

    Plan rollback = awaitPlan(KAFKA_PLATFORM, "rb-" + u2);
    assertThat(rollback.rollbackOf()).isEqualTo(u2);
    PlanStep putBack = step(rollback, "rok-operator");
    assertThat(putBack.action()).isEqualTo(StepAction.APPLY);
    assertThat(putBack.objects()).containsExactly(ACCOUNT, LEGACY);
    assertThat(putBack.restore()).containsExactly(existed(ACCOUNT), existed(LEGACY));
    PlanStep patchBack = step(rollback, "rok-cluster");
    assertThat(patchBack.customResource().set()).isEqualTo(Map.of("spec.version", "1.0.0"));
    assertThat(patchBack.customResource().readyWhen()).isEqualTo(Map.of("status.version", "1.0.0"));
  }

  @Test
  void aYamlReleaseHasItsManifestsFileEmbeddedAndABrokenChartIsA422WithHelmsMessage()
      throws Exception {
    String token =
        context
            .getBean(TokenIssuer.class)
            .issue("sam", List.of(Roles.SUBMITTER), Duration.ofMinutes(10));
    String yaml =
        """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: rok, version: 2.0.0 }
        spec:
          layers: [core-kernel, user-space]
          components:
            - name: rok-operator
              layer: core-kernel
              version: 2.0.0
              manifests: { file: bundles/rok-operator.yaml }
            - name: rok-api
              layer: user-space
              version: 2.0.0
              helm: { chart: rok-api, version: 1.2.0, namespace: rok, values: { image: { tag: %s } } }
        """;

    HttpResponse<String> broken =
        post("/api/v1/upgrades?platform=" + HTTP_PLATFORM, token, yaml.formatted("\"\""));
    HttpResponse<String> accepted =
        post("/api/v1/upgrades?platform=" + HTTP_PLATFORM, token, yaml.formatted("2.0.0"));

    assertThat(broken.statusCode()).as(broken.body()).isEqualTo(422);
    JsonNode error = Json.mapper().readTree(broken.body()).get("errors").get(0);
    assertThat(error.get("code").asText()).isEqualTo("invalid-manifest");
    assertThat(error.get("path").asText()).isEqualTo("release.spec.components[1].helm.chart");
    assertThat(error.get("message").asText()).contains("image.tag is required");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String upgradeId = Json.mapper().readTree(accepted.body()).get("upgradeId").asText();
    Plan plan = awaitPlan(HTTP_PLATFORM, upgradeId);
    assertThat(step(plan, "rok-operator").objects())
        .extracting(Bundles::ref)
        .containsExactly(
            new ObjectRef("v1", "ServiceAccount", "rok", "rok-operator"),
            new ObjectRef("apps/v1", "Deployment", "rok", "rok-operator"));
    assertThat(step(plan, "rok-api").objects())
        .extracting(o -> o.get("kind"))
        .contains("Deployment");
  }

  private static HttpResponse<String> post(String path, String token, String yaml)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/yaml")
            .POST(HttpRequest.BodyPublishers.ofString(yaml))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
