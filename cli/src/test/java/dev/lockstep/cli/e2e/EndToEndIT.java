package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.LockstepCommand;
import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.local.Tracing;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Component;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.otlp.OtlpReceiver;
import dev.lockstep.testkit.postgres.Postgres;
import dev.lockstep.testkit.prometheus.PrometheusProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The five services as processes of their own, against the real Kafka broker, the real PostgreSQL
 * and the simulated cluster seeded with the sample platform: what {@code lockstep local} runs. Each
 * test has a platform of its own on the JVM's shared broker and PostgreSQL server.
 */
class EndToEndIT {
  private static final Path CHECKOUT =
      SamplePlatform.find(Path.of(""))
          .orElseThrow(() -> new IllegalStateException("no docs/examples/sample-platform above"))
          .getParent()
          .getParent()
          .getParent();

  private static final EventCodec CODEC = EventCodec.standard();
  private static final Path DOC = CHECKOUT.resolve("docs/producing-requests.md");

  private final StringWriter output = new StringWriter();
  private Path directory;

  private LocalMode start(String scenario) {
    return start(scenario, 1);
  }

  /** A local mode with {@code platforms} copies of the sample, which take the scenarios in turn. */
  private LocalMode start(String scenarios, int platforms) {
    return start(scenarios, platforms, null);
  }

  /** The same, with the services' spans sent as {@code tracing} says (null: nowhere). */
  private LocalMode start(String scenarios, int platforms, Tracing tracing) {
    String platform = "dataos-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    directory = CHECKOUT.resolve("cli/target/e2e").resolve(platform);
    return LocalMode.start(
        new LocalMode.Options(
                CHECKOUT,
                directory,
                scenarios,
                platform,
                false,
                new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
                null,
                false,
                1,
                platforms)
            .withTracing(tracing),
        new PrintWriter(output, true));
  }

  /** What the local mode printed, next to the services' logs, for whoever reads a failure. */
  @AfterEach
  void keepTheOutput() throws Exception {
    if (directory != null && Files.isDirectory(directory)) {
      Files.writeString(directory.resolve("local-mode.out"), output.toString());
    }
  }

  @Test
  void aCleanUpgradeCompletesAndEveryWorkloadRunsTheNewRelease() throws Exception {
    try (LocalMode local = start("happy");
        PrometheusProcess prometheus = ScrapedMetrics.scrapeEveryService(local)) {
      String upgradeId = local.runScenario();

      JsonNode upgrade = local.awaitEnd(upgradeId);
      assertThat(upgrade.path("status").asText()).isEqualTo("completed");
      assertThat(upgrade.path("versions"))
          .hasSize(local.sample().componentCount())
          .allSatisfy(v -> assertThat(v.path("state").asText()).isEqualTo("upgraded"));
      assertEveryWorkloadRunsTheRelease(local);
      // the manager's chart, rendered with the release's values: a new Service, the values' config
      KubernetesClient client = local.cluster().client();
      assertThat(client.services().inNamespace("core").withName("manager").get()).isNotNull();
      assertThat(client.configMaps().inNamespace("core").withName("manager-config").get().getData())
          .containsEntry("log-level", "info")
          .containsEntry("version", "1.7.0");
      assertThat(
              client
                  .apps()
                  .deployments()
                  .inNamespace("core")
                  .withName("manager")
                  .get()
                  .getSpec()
                  .getReplicas())
          .isEqualTo(2);

      Cli status = cli(local, "status", upgradeId);
      assertThat(status.code()).isEqualTo(ExitCodes.OK);
      assertThat(status.out()).contains("completed").contains("notebooks").contains("1.8.2");
      assertThat(status.out()).contains("2.0.0");
      Cli watch = cli(local, "watch", upgradeId, "--no-tty", "-o", "json");
      assertThat(watch.code()).isEqualTo(ExitCodes.OK);
      ScrapedMetrics.assertTheUpgradeIsInTheMetrics(
          local,
          prometheus,
          events(local, e -> upgradeId.equals(e.subject()) || mentions(e, upgradeId)));
    }
  }

  /**
   * With the five services exporting their spans over OTLP to a real receiver (a process of its
   * own), the upgrade is one trace and its rollback another, linked to it: see {@link
   * UpgradeTraces#assertTheTraceTree}.
   */
  @Test
  void aFailingGateRollsBackTopDownVerifiesAndWritesThePostMortem() throws Exception {
    try (OtlpReceiver traces = OtlpReceiver.start(CHECKOUT.resolve("cli/target/e2e/otlp"));
        LocalMode local = start("failing-gate", 1, Tracing.otlp(traces.endpoint()))) {
      Map<String, Map<String, Object>> seeded = workloads(local);

      String upgradeId = local.runScenario();

      JsonNode upgrade = local.awaitEnd(upgradeId);
      assertThat(upgrade.path("status").asText()).isEqualTo("rolled-back");
      // every object is back to its recorded before-state: images and replicas, the chart's
      // objects (the Service its new version created is gone), the custom resource
      assertThat(seeded).doesNotContainKey("Service/core/manager");
      assertThat(workloads(local)).isEqualTo(seeded);

      List<EventEnvelope> events = events(local, e -> true);
      Plan rollback =
          events.stream()
              .filter(
                  e -> e.data() instanceof PlanCreated p && p.plan().mode() == PlanMode.ROLLBACK)
              .map(e -> ((PlanCreated) e.data()).plan())
              .findFirst()
              .orElseThrow();
      assertThat(rollback.rollbackOf()).isEqualTo(upgradeId);
      List<String> layers = local.sample().releaseManifest().spec().layers();
      List<Integer> order =
          rollback.waves().stream().map(Wave::layer).map(layers::indexOf).toList();
      assertThat(order).as("rollback waves run top-down").isSortedAccordingTo((a, b) -> b - a);
      assertThat(order.get(0)).isEqualTo(layers.indexOf("user-space"));

      // the platform is verified after the rollback: the rollback's gates ran and passed
      String rollbackId = rollback.upgradeId();
      List<GateRequested> verification = data(events, rollbackId, GateRequested.class);
      assertThat(verification).isNotEmpty();
      assertThat(data(events, rollbackId, GatePassed.class)).hasSize(verification.size());

      // the post-mortem, through the command, with the durations of the recorded events
      Cli postmortem = cli(local, "postmortem", upgradeId);
      assertThat(postmortem.code()).isEqualTo(ExitCodes.OK);
      assertThat(postmortem.out())
          .contains("rolled-back")
          .contains("workbench-health")
          .contains(rollbackId)
          // the release it came from, as the sample's workloads declare it
          .contains("1.0.3 -> 2.0.0")
          // the teams' feed entries are deliveries too
          .contains("| feed |");
      Instant rolledBack =
          events.stream()
              .filter(e -> e.data() instanceof RollbackCompleted)
              .map(EventEnvelope::time)
              .findFirst()
              .orElseThrow();
      assertTimelineDurations(postmortem.out(), rolledBack);

      // what the local mode's prober saw: workbench answered 503 from its upgrade until the
      // rollback, which no plan expects of a component it does not drain
      String probed = postmortem.out();
      for (int i = 0; i < 40 && !probed.contains("## Availability observed"); i++) {
        Thread.sleep(250);
        probed = cli(local, "postmortem", upgradeId).out();
      }
      assertThat(probed)
          .containsPattern(
              "\\| workbench \\| \\d+ \\| [1-9]\\d* \\| .* served throughout \\(UNEXPECTED\\) \\|")
          .containsPattern("\\| postgres \\| [1-9]\\d* \\| \\d+ \\| ");

      // every team heard it on its feed
      for (String team : local.sample().teams()) {
        JsonNode feed =
            get(local, local.services().url(LockstepService.NOTIFIER), "/api/v1/feeds/" + team);
        List<String> subjects = new ArrayList<>();
        feed.path("entries").forEach(e -> subjects.add(e.path("subject").asText()));
        assertThat(subjects).as("team " + team).anyMatch(s -> s.contains("Rolled back"));
      }
      Cli watch = cli(local, "watch", upgradeId, "--no-tty");
      assertThat(watch.code()).isEqualTo(ExitCodes.UPGRADE_NOT_COMPLETED);
      assertThat(output.toString()).contains("ROLLED BACK");
      UpgradeTraces.assertTheTraceTree(traces, upgrade, rollbackId);
    }
  }

  /**
   * The scenarios approval, cancel and data-integrity at once, a platform each, through the real
   * services and the CLI: the approval is granted with {@code lockstep approve} and the recorder
   * names who gave it; the cancel of wave 2 with {@code lockstep cancel} rolls back what was done;
   * the migration that loses rows fails the row-count gate with the counts in its reason, and the
   * rollback's snapshot restore brings the rows back into PostgreSQL, which its verification finds.
   */
  @Test
  void approvalCancelAndDataIntegrityScenariosEndAsTheyShould() throws Exception {
    try (LocalMode local = start("approval,cancel,data-integrity", 3)) {
      local.runScenario();
      List<String> platforms = local.platforms();
      Map<String, String> upgrades = local.scenarioUpgrades();
      assertThat(local.endedAsExpected()).as(output.toString()).isTrue();

      // approval: granted through the CLI with the local operator's token, recorded with the name
      String approved = upgrades.get(platforms.get(0));
      JsonNode approval = local.awaitEnd(approved);
      assertThat(approval.path("status").asText()).isEqualTo("completed");
      assertThat(approval.path("approvals")).hasSize(1);
      assertThat(approval.path("approvals").get(0).path("stepId").asText())
          .isEqualTo("w2-metis-approval");
      assertThat(approval.path("approvals").get(0).path("approvedBy").asText())
          .isEqualTo("local-operator");
      assertThat(output.toString())
          .contains("scenario  ./lockstep approve " + approved + " w2-metis-approval");
      Cli postmortem = cli(local, "postmortem", approved);
      assertThat(postmortem.out()).contains("approved by local-operator");

      // cancel: in wave 2, so no step of a later wave started, and what was done is rolled back
      String cancelled = upgrades.get(platforms.get(1));
      JsonNode cancel = local.awaitEnd(cancelled);
      assertThat(cancel.path("status").asText()).isEqualTo("rolled-back");
      assertThat(cancel.path("versions"))
          .as("what the upgrade changed is rolled back, the rest never started")
          .allSatisfy(v -> assertThat(v.path("state").asText()).isIn("rolled-back", "not-started"))
          .anySatisfy(v -> assertThat(v.path("state").asText()).isEqualTo("not-started"));
      List<StepStarted> started =
          data(events(local, platforms.get(1), e -> true), cancelled, StepStarted.class);
      assertThat(started).anyMatch(s -> s.wave() == 2).noneMatch(s -> s.wave() > 2);
      assertThat(output.toString()).contains("scenario  ./lockstep cancel " + cancelled);
      assertThat(cli(local, "watch", cancelled, "--no-tty").code())
          .isEqualTo(ExitCodes.UPGRADE_NOT_COMPLETED);

      // data integrity: the gate fails on the row count, the snapshot restore puts the rows back
      String lost = upgrades.get(platforms.get(2));
      JsonNode integrity = local.awaitEnd(lost);
      assertThat(integrity.path("status").asText()).isEqualTo("rolled-back");
      int lostRows =
          dev.lockstep.cli.local.SampleData.ROWS - dev.lockstep.cli.local.SampleData.LOST;
      assertThat(integrity.path("failure").path("reason").asText())
          .contains("metis-datasets-intact")
          .contains(
              "the value "
                  + lostRows
                  + " differs from the baseline "
                  + dev.lockstep.cli.local.SampleData.ROWS);
      assertThat(local.run(platforms.get(2)).data().count())
          .as("rows of metis.datasets after the rollback")
          .isEqualTo(dev.lockstep.cli.local.SampleData.ROWS);
      List<EventEnvelope> integrityEvents = events(local, platforms.get(2), e -> true);
      String rollbackId = integrity.path("rollbacks").get(0).asText();
      assertThat(data(integrityEvents, rollbackId, GatePassed.class))
          .as("the rollback's verification")
          .anyMatch(g -> g.gateName().equals("metis-datasets-intact"));
    }
  }

  /**
   * docs/producing-requests.md, run as a producer would: both Java examples compiled from the page
   * and run against the services, with the sample release as its YAML stands (most components leave
   * drain, requires and gates out); each request is answered with plan.created naming it as its
   * cause, and the first upgrade completes. The local mode prints the broker producers use.
   */
  /**
   * Two checks against one running system (one local mode: each costs CI about 20 seconds): {@code
   * lockstep plan --offline} gives what the planner's preview gives, and the producers' guide works
   * as written.
   */
  @Test
  void offlinePlanningAndTheProducersGuideAgreeWithTheRunningServices() throws Exception {
    try (LocalMode local = start("happy")) {
      local.awaitInventory();
      planningOfflineGivesWhatThePlannersPreviewGives(local);
      theProducersGuideWorksAgainstTheServicesWithOptionalFieldsLeftOut(local);
    }
  }

  private void theProducersGuideWorksAgainstTheServicesWithOptionalFieldsLeftOut(LocalMode local)
      throws Exception {
    assertThat(output.toString())
        .as("the local mode prints where its broker listens")
        .contains("kafka         " + local.bootstrapServers());
    Path release = directory.resolve("release.yaml");
    Files.writeString(release, local.release());
    int withoutDrain = 0;
    for (JsonNode c :
        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
            .readTree(local.release())
            .path("spec")
            .path("components")) {
      withoutDrain += c.has("drain") ? 0 : 1;
    }
    assertThat(withoutDrain).as("components of the sample that leave drain out").isPositive();
    assertThat(local.release())
        .as("the sample leaves drain out of most components")
        .contains("drain");
    ClassLoader examples = DocExamples.compile(DOC, directory.resolve("examples"));

    String plainId = "up-plain-" + UUID.randomUUID();
    String plainOut =
        DocExamples.run(
            examples,
            "PlainRequest",
            local.bootstrapServers(),
            platformOf(local),
            release.toString(),
            plainId);
    assertThat(plainOut.trim()).isEqualTo("dev.lockstep.plan.created " + plainId);
    assertTheAnswerNamesTheRequest(local, plainId);
    JsonNode upgrade = local.awaitEnd(plainId);
    assertThat(upgrade.path("status").asText()).isEqualTo("completed");
    assertThat(upgrade.path("requestedBy").asText()).isEqualTo("release-bot");
    assertEveryWorkloadRunsTheRelease(local);

    String libraryId = "up-library-" + UUID.randomUUID();
    String libraryOut =
        DocExamples.run(
            examples,
            "LibraryRequest",
            local.bootstrapServers(),
            platformOf(local),
            release.toString(),
            libraryId);
    assertThat(libraryOut.trim()).isEqualTo("planned " + libraryId);
    assertTheAnswerNamesTheRequest(local, libraryId);
    local.awaitEnd(libraryId);
  }

  /**
   * {@code lockstep plan --offline} runs the planner's rules in the command: for the sample and
   * every test manifest, against the platform's inventory, it gives the same plan, or the same
   * errors and exit code, as the planner's preview API.
   */
  private void planningOfflineGivesWhatThePlannersPreviewGives(LocalMode local) throws Exception {
    Path current = directory.resolve("inventory.json");
    Files.writeString(
        current,
        get(
                local,
                local.services().url(LockstepService.PLANNER),
                "/api/v1/platforms/" + platformOf(local))
            .toString());
    Path sampleRelease = directory.resolve("release.yaml");
    Files.writeString(sampleRelease, local.release());
    List<Path> manifests = new ArrayList<>(List.of(sampleRelease));
    try (var files = Files.list(CHECKOUT.resolve("shared-events/src/test/resources/manifests"))) {
      files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(manifests::add);
    }
    String namespaces = String.join(",", local.sample().namespaces());
    Path gates = directory.resolve("gates.yaml");
    Files.writeString(gates, "http-hosts: [\"127.0.0.1\"]\n");
    String charts = local.sample().chartsDirectory().toString();
    int planned = 0;
    for (Path manifest : manifests) {
      Cli online =
          cli(
              local,
              "plan",
              manifest.toString(),
              "-p",
              platformOf(local),
              "--current",
              current.toString(),
              "--output",
              "json");
      Cli offline =
          cli(
              local,
              "plan",
              "--offline",
              manifest.toString(),
              "-p",
              platformOf(local),
              "--current",
              current.toString(),
              "--namespaces",
              namespaces,
              "--gates",
              gates.toString(),
              "--charts",
              charts,
              "--output",
              "json");
      assertThat(offline.code()).as(manifest + ": exit code").isEqualTo(online.code());
      if (online.code() == ExitCodes.OK) {
        planned++;
        assertThat(withoutHistory(offline.out()))
            .as(manifest.toString())
            .isEqualTo(withoutHistory(online.out()));
      } else {
        assertThat(errorLines(offline.err()))
            .as(manifest.toString())
            .isNotEmpty()
            .isEqualTo(errorLines(online.err()));
      }
    }
    assertThat(planned).as("the sample release is planned").isPositive();
  }

  private static void assertTheAnswerNamesTheRequest(LocalMode local, String upgradeId) {
    List<EventEnvelope> events =
        events(local, e -> upgradeId.equals(e.subject()) || mentions(e, upgradeId));
    EventEnvelope request =
        events.stream().filter(e -> e.data() instanceof UpgradeRequested).findFirst().orElseThrow();
    EventEnvelope answer =
        events.stream()
            .filter(e -> e.data() instanceof PlanCreated)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no plan.created for " + upgradeId));
    assertThat(answer.causationId()).as("plan.created names the request").isEqualTo(request.id());
    assertThat(request.version())
        .as("the request as the guide writes it: the current version of upgrade.requested")
        .isEqualTo(
            dev.lockstep.events.EventCatalog.standard().typeOf(UpgradeRequested.class).version());
  }

  /** A plan without what only the running planner knows of the platform's history. */
  private static JsonNode withoutHistory(String planJson) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode plan =
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(planJson);
    plan.remove("fromRelease");
    // learned from the platform's earlier steps, which the offline planner does not know
    plan.remove("expectedDuration");
    return plan;
  }

  /** The error lines (code, path, message), without the headline and the hint. */
  private static List<String> errorLines(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("  ")).toList();
  }

  // --- what the tests look at ---

  private static String platformOf(LocalMode local) {
    return local.platform();
  }

  /** Images (container -> image) and replicas of every seeded Deployment and StatefulSet. */
  private static Map<String, Map<String, Object>> workloads(LocalMode local) {
    Map<String, Map<String, Object>> state = new HashMap<>();
    KubernetesClient client = local.cluster().client();
    for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
      state.put(key(d), state(d.getSpec().getTemplate(), d.getSpec().getReplicas()));
    }
    for (StatefulSet s : client.apps().statefulSets().inAnyNamespace().list().getItems()) {
      state.put(key(s), state(s.getSpec().getTemplate(), s.getSpec().getReplicas()));
    }
    for (Service v : client.services().inAnyNamespace().list().getItems()) {
      state.put(key(v), Map.of("ports", v.getSpec().getPorts().size()));
    }
    for (ConfigMap c : client.configMaps().inAnyNamespace().list().getItems()) {
      state.put(key(c), new HashMap<>(c.getData() == null ? Map.of() : c.getData()));
    }
    for (GenericKubernetesResource r :
        client
            .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
            .inAnyNamespace()
            .list()
            .getItems()) {
      Map<String, Object> resource = new HashMap<>();
      resource.put("spec", r.getAdditionalProperties().get("spec"));
      resource.put("status.version", statusOf(r).get("version"));
      state.put(key(r), resource);
    }
    return state;
  }

  private static String key(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static Map<String, Object> state(PodTemplateSpec template, Integer replicas) {
    Map<String, Object> state = new HashMap<>();
    template.getSpec().getContainers().forEach(c -> state.put(c.getName(), c.getImage()));
    state.put("replicas", replicas);
    return state;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> statusOf(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static void assertEveryWorkloadRunsTheRelease(LocalMode local) {
    KubernetesClient client = local.cluster().client();
    for (Component c : local.sample().releaseManifest().spec().components()) {
      if (c.helm() != null) {
        // the chart's Deployment, as the planner rendered it with the release's values
        Deployment d =
            client.apps().deployments().inNamespace(c.helm().namespace()).withName(c.name()).get();
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
            .as(c.name())
            .endsWith(":" + c.version());
        assertThat(d.getMetadata().getAnnotations())
            .containsEntry("lockstep.dev/version", c.version());
        continue;
      }
      if (c.customResource() != null) {
        GenericKubernetesResource r =
            client
                .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
                .inNamespace(c.customResource().namespace())
                .withName(c.customResource().name())
                .get();
        assertThat(statusOf(r))
            .as(c.name())
            .containsEntry("version", c.version())
            .containsEntry("health", "OK");
        continue;
      }
      if (c.workload() == null) {
        continue;
      }
      HasMetadata workload =
          c.workload().kind().equals("StatefulSet")
              ? client
                  .apps()
                  .statefulSets()
                  .inNamespace(c.workload().namespace())
                  .withName(c.workload().name())
                  .get()
              : client
                  .apps()
                  .deployments()
                  .inNamespace(c.workload().namespace())
                  .withName(c.workload().name())
                  .get();
      PodTemplateSpec template =
          workload instanceof StatefulSet s
              ? s.getSpec().getTemplate()
              : ((Deployment) workload).getSpec().getTemplate();
      assertThat(template.getSpec().getContainers())
          .as(c.name())
          .anySatisfy(container -> assertThat(container.getImage()).isEqualTo(c.image()));
      assertThat(workload.getMetadata().getAnnotations())
          .as(c.name())
          .containsEntry("lockstep.dev/version", c.version());
    }
  }

  /** Each timeline row's duration is its end minus its start; the rollback ends with its event. */
  private static void assertTimelineDurations(String markdown, Instant rolledBack) {
    List<String> rows =
        markdown
            .lines()
            .filter(l -> l.startsWith("| ") && l.matches("\\|[^|]+\\| \\d{4}-.*"))
            .toList();
    assertThat(rows).isNotEmpty();
    boolean sawRollback = false;
    for (String row : rows) {
      String[] cells = row.split("\\|");
      Instant start = Instant.parse(cells[2].trim());
      Instant end = Instant.parse(cells[3].trim());
      double seconds = Double.parseDouble(cells[4].trim().replace("s", ""));
      assertThat(seconds)
          .as(row)
          .isCloseTo(
              Duration.between(start, end).toNanos() / 1e9,
              org.assertj.core.data.Offset.offset(0.0015));
      if (cells[1].trim().startsWith("rollback rb-")) {
        // the recorder keeps times to the microsecond, as PostgreSQL does
        assertThat(end)
            .as("the rollback ends when rollback.completed was recorded")
            .isCloseTo(rolledBack, org.assertj.core.api.Assertions.within(1, ChronoUnit.MICROS));
        sawRollback = true;
      }
    }
    assertThat(sawRollback).as("the timeline has the rollback").isTrue();
  }

  // --- plumbing ---

  private record Cli(int code, String out, String err) {}

  private static Cli cli(LocalMode local, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env =
        local.cliEnvironment(CHECKOUT.resolve("cli/target/e2e/no-config.json"));
    int code =
        new CommandLine(new LockstepCommand(env))
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  private static JsonNode get(LocalMode local, URI base, String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(base.resolve(path))
                    .header("Authorization", "Bearer " + local.token())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  private static <T> List<T> data(List<EventEnvelope> events, String upgradeId, Class<T> type) {
    return events.stream()
        .filter(e -> type.isInstance(e.data()))
        .filter(e -> upgradeId.equals(e.subject()) || mentions(e, upgradeId))
        .map(e -> type.cast(e.data()))
        .toList();
  }

  private static boolean mentions(EventEnvelope e, String upgradeId) {
    return Json.mapper().valueToTree(e.data()).path("upgradeId").asText().equals(upgradeId);
  }

  /** Every event of the test's platform so far, in log order per topic. */
  private static List<EventEnvelope> events(LocalMode local, Predicate<EventEnvelope> filter) {
    return events(local, platformOf(local), filter);
  }

  /** Every event of a platform of the test so far, in log order per topic. */
  private static List<EventEnvelope> events(
      LocalMode local, String platform, Predicate<EventEnvelope> filter) {
    List<EventEnvelope> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer(local)) {
      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (platform.equals(r.key())) {
            EventEnvelope e = CODEC.fromRecord(r);
            if (filter.test(e)) {
              events.add(e);
            }
          }
        }
      }
    }
    return events;
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }

  private static KafkaConsumer<String, byte[]> consumer(LocalMode local) {
    Properties config = new Properties();
    config.put("bootstrap.servers", local.bootstrapServers());
    config.put("enable.auto.commit", "false");
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(config);
  }

  private static KafkaProducer<String, byte[]> producer(LocalMode local) {
    Properties config = new Properties();
    config.put("bootstrap.servers", local.bootstrapServers());
    config.put("acks", "all");
    config.put("key.serializer", StringSerializer.class.getName());
    config.put("value.serializer", ByteArraySerializer.class.getName());
    return new KafkaProducer<>(config);
  }

  static {
    try {
      Files.createDirectories(CHECKOUT.resolve("cli/target/e2e"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
