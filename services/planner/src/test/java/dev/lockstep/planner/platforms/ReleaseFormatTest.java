package dev.lockstep.planner.platforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.planning.UpgradePlanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One release format, whatever the door: every sample and test manifest is sent through the HTTP
 * door (the request body's release, parsed and planned as the API does) and through the Kafka door
 * ({@code upgrade.requested} v2 data read by the codec every consumer uses, then handled by the
 * planner), with the fields the manifest lets a writer leave out left out. Both accept the same
 * releases and make the same plan, or refuse them with the same errors (on Kafka as {@code
 * plan.rejected}, or on the dead-letter topic when the data does not match its schema).
 */
class ReleaseFormatTest {
  private static final String P = "p-doors";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC);
  private static final Path ROOT = Path.of("../..");
  private static final Path SAMPLE = ROOT.resolve("docs/examples/sample-platform");
  private static final YAMLMapper YAML = new YAMLMapper();

  static Stream<String> manifests() throws IOException {
    List<String> names = new ArrayList<>();
    names.add("docs/examples/sample-platform/release-2.0.0.yaml");
    try (Stream<Path> files =
        Files.list(ROOT.resolve("shared-events/src/test/resources/manifests"))) {
      files
          .filter(f -> f.toString().endsWith(".yaml"))
          .map(f -> ROOT.relativize(f).toString())
          .sorted()
          .forEach(names::add);
    }
    names.add("inline: minimal, every omittable field left out");
    names.add("inline: a misspelt field");
    names.add("inline: a field of the wrong type");
    return names.stream();
  }

  private static String text(String name) throws IOException {
    String minimal =
        """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: dataos, version: 2.4.0 }
        spec:
          layers: [cloud-kernel, core-kernel]
          components:
            - name: postgres
              layer: cloud-kernel
              version: 15.4.0
              workload: { kind: StatefulSet, namespace: core, name: postgres }
              image: registry.local/postgres:15.4.0
              backup: { volumeSnapshotClass: csi }
            - name: metis
              layer: core-kernel
              version: 2.4.0
              requires: { postgres: "15.x" }
              workload: { kind: Deployment, namespace: core, name: metis }
              image: registry.local/metis:2.4.0
              migration: { image: registry.local/metis-migrate:2.4.0 }
        """;
    return switch (name) {
      case "inline: minimal, every omittable field left out" -> minimal;
      case "inline: a misspelt field" -> minimal.replace("requires:", "requries:");
      case "inline: a field of the wrong type" -> minimal.replace("layers: [", "layers: 3 #[");
      default -> Files.readString(ROOT.resolve(name));
    };
  }

  private static PlannerCore core(String manifest) {
    TreeSet<String> namespaces = new TreeSet<>();
    Matcher m = Pattern.compile("namespace: *([a-z0-9-]+)").matcher(manifest);
    while (m.find()) {
      namespaces.add(m.group(1));
    }
    return new PlannerCore(
        // the sample's http gates ask the simulated endpoints, as the local mode allows them
        PlatformPolicy.of(Map.of(P, List.copyOf(namespaces)))
            .gates(
                P,
                new dev.lockstep.planner.validation.GateReach.Policy(
                    List.of("127.0.0.1:8089"), Map.of(), java.util.Set.of(), java.util.Set.of())),
        CLOCK,
        new BundleResolver(new HelmChartRenderer(SAMPLE)));
  }

  /** The outcome of a door: a plan without its id, or the errors. */
  private record Outcome(JsonNode plan, List<ErrorDetail> errors) {
    static Outcome planned(dev.lockstep.events.v1.Plan plan) {
      ObjectNode tree = Json.mapper().valueToTree(plan);
      tree.remove("upgradeId");
      return new Outcome(tree, List.of());
    }
  }

  private static Outcome httpDoor(String manifest) throws IOException {
    PlannerCore core = core(manifest);
    ReleaseParser.Result parsed = ReleaseParser.parse(YAML.readTree(manifest), "release");
    if (!parsed.ok()) {
      return new Outcome(null, parsed.errors());
    }
    PlanningResult result =
        UpgradePlanner.plan(core.previewRequest(P, parsed.release(), null, null), CLOCK);
    return result instanceof PlanningResult.Planned planned
        ? Outcome.planned(planned.plan())
        : new Outcome(null, ((PlanningResult.Rejected) result).errors());
  }

  /** The Kafka door; null when the event is dead-lettered (its data does not match its schema). */
  private static Outcome kafkaDoor(String manifest) throws IOException {
    PlannerCore core = core(manifest);
    ObjectNode data = Json.mapper().createObjectNode();
    data.put("upgradeId", "up-kafka").put("platform", P).put("requestedBy", "release-bot");
    data.set("release", YAML.readTree(manifest));
    EventPayload payload;
    try {
      payload =
          EventCodec.standard()
              .decodeData(
                  "dev.lockstep.upgrade.requested",
                  2,
                  Json.mapper().writeValueAsString(data).getBytes(StandardCharsets.UTF_8));
    } catch (EventDecodingException e) {
      return null;
    }
    core.handle(
        EventEnvelope.create(
            EventCatalog.standard(),
            "test",
            P,
            null,
            TestingReleases.nothingRunning(P, CLOCK.instant()),
            null,
            CLOCK));
    EventEnvelope request =
        EventEnvelope.create(EventCatalog.standard(), "test", P, "up-kafka", payload, null, CLOCK);
    for (EventEnvelope answer : core.handle(request)) {
      assertThat(answer.causationId()).as("the answer names the request").isEqualTo(request.id());
      if (answer.data() instanceof PlanCreated created) {
        return Outcome.planned(created.plan());
      }
      if (answer.data() instanceof PlanRejected rejected) {
        return new Outcome(null, rejected.errors());
      }
    }
    throw new AssertionError("the planner did not answer the request");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void bothDoorsAcceptTheSameReleasesAndMakeTheSamePlans(String name) throws IOException {
    String manifest = text(name);

    Outcome http = httpDoor(manifest);
    Outcome kafka = kafkaDoor(manifest);

    if (http.plan() != null) {
      assertThat(kafka).as("Kafka plans what HTTP plans").isNotNull();
      assertThat(kafka.plan()).isEqualTo(http.plan());
    } else {
      assertThat(http.errors()).isNotEmpty();
      if (kafka != null) {
        assertThat(kafka.plan()).as("Kafka refuses what HTTP refuses").isNull();
        assertThat(kafka.errors()).containsExactlyInAnyOrderElementsOf(http.errors());
      }
    }
    if (name.startsWith("inline: minimal") || name.contains("sample-platform")) {
      assertThat(http.errors()).as(name + " is planned").isEmpty();
    }
    if (name.contains("misspelt") || name.contains("wrong type")) {
      assertThat(http.plan()).as(name + " is refused").isNull();
    }
  }
}
