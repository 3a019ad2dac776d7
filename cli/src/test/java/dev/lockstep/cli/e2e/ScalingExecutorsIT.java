package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.local.ServiceProcess;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Component;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.ClusterOperation;
import dev.lockstep.testkit.cluster.SimulatedKubelet;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Executors scaled out and back in while upgrades run: the local mode with five copies of the
 * sample platform and one instance of each service; an upgrade submitted on all five (three that
 * pass their gates, two whose workbench gate fails), with pods slow to start meanwhile; two more
 * executors started while they run, which take platforms over as the consumer group hands them
 * partitions; once one has changed the cluster, the pods fast again, that one killed with -9 while
 * its platforms' upgrades still run, and the other stopped gracefully.
 *
 * <p>Each upgrade ends as it would have with one executor throughout: the clean ones complete with
 * every workload on the release, the failing ones fail and are rolled back with every object back
 * as it was; each step succeeded once, and every object was written exactly as often as the steps
 * that succeeded change it (none twice in effect, whichever executor ran the step).
 */
class ScalingExecutorsIT {
  private static final Path CHECKOUT =
      SamplePlatform.find(Path.of(""))
          .orElseThrow(() -> new IllegalStateException("no docs/examples/sample-platform above"))
          .getParent()
          .getParent()
          .getParent();

  private static final int PLATFORMS = 5;

  /** The copies whose workbench gate fails: the second and the fourth. */
  private static final Set<Integer> FAILING = Set.of(1, 3);

  private static final List<String> EXTRA_EXECUTORS = List.of("executor-b", "executor-c");

  /** How long a pod takes to run while the executors scale out. */
  private static final Duration SLOW_PODS = Duration.ofSeconds(3);

  private final StringWriter output = new StringWriter();
  private Path directory;

  /** What the local mode printed, next to the services' logs, for whoever reads a failure. */
  @AfterEach
  void keepTheOutput() throws IOException {
    if (directory != null && Files.isDirectory(directory)) {
      Files.writeString(directory.resolve("local-mode.out"), output.toString());
    }
  }

  @Test
  void executorsScaledFromOneToThreeAndBackLeaveEveryUpgradeEndingAsItWouldHave() throws Exception {
    String base = spreadPlatformId();
    directory = CHECKOUT.resolve("cli/target/e2e").resolve(base);
    Files.createDirectories(directory);
    try (LocalMode local =
        LocalMode.start(
            new LocalMode.Options(
                CHECKOUT,
                directory,
                "happy",
                base,
                false,
                new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
                null,
                true,
                1,
                PLATFORMS),
            new PrintWriter(output, true))) {
      List<String> platforms = local.platforms();
      assertThat(platforms).hasSize(PLATFORMS).startsWith(base + "-01").endsWith(base + "-05");
      List<String> failing = new ArrayList<>();
      FAILING.forEach(i -> failing.add(platforms.get(i)));
      failing.forEach(p -> local.failGate(p, true));
      Map<String, Map<String, Object>> seeded = new HashMap<>();
      for (String platform : platforms) {
        seeded.put(platform, objects(local, platform));
      }
      local.awaitInventory();

      // Pods start slowly while the executors scale out, so that the upgrades are still running
      // when the new executors are up, however long their start takes on a busy machine; the
      // upgrades end as they would have, only later. (A Deployment's progress deadline, 600 s,
      // lasts 60 s here rather than the simulator's default 600 ms, which slow pods would pass.)
      local.cluster().kubelet().timeScale(Duration.ofMillis(100)).rolloutDelay(SLOW_PODS);
      Map<String, String> upgrades = new LinkedHashMap<>();
      for (String platform : platforms) {
        upgrades.put(platform, local.submit(platform));
      }
      Eventually.until(
          "every platform's upgrade runs its first steps",
          Duration.ofSeconds(60),
          () -> platforms.stream().allMatch(p -> narrated(p, "step      wave 0")));

      // scale out: two more executors, each with an identity of its own
      List<CompletableFuture<ServiceProcess>> starting = new ArrayList<>();
      for (String name : EXTRA_EXECUTORS) {
        starting.add(
            CompletableFuture.supplyAsync(
                () ->
                    local
                        .services()
                        .startReplica(
                            LockstepService.EXECUTOR, name, Map.of("instance-id", name))));
      }
      Map<String, ServiceProcess> extra = new LinkedHashMap<>();
      for (int i = 0; i < EXTRA_EXECUTORS.size(); i++) {
        extra.put(EXTRA_EXECUTORS.get(i), starting.get(i).join());
      }
      assertThat(local.services().processes(LockstepService.EXECUTOR)).hasSize(3);
      // the consumer group hands them partitions, so platforms, which they take over and change
      String killed =
          Eventually.value(
              () -> takingPart(local, upgrades),
              name -> name != null,
              Duration.ofSeconds(60),
              Eventually.POLL,
              name ->
                  "no new executor changed the cluster and holds a platform whose upgrade runs: "
                      + writesBy(local, EXTRA_EXECUTORS));

      local.cluster().kubelet().rolloutDelay(SimulatedKubelet.DEFAULT_ROLLOUT_DELAY);

      // scale in while upgrades still run: the one that works killed, the other stopped as a
      // Deployment scales down
      List<String> runningAtTheKill = running(local, upgrades);
      runningAtTheKill.retainAll(leasesHeldBy(local, platforms, killed));
      extra.get(killed).kill();
      String stopped = EXTRA_EXECUTORS.stream().filter(n -> !n.equals(killed)).findFirst().get();
      CompletableFuture<Void> stopping =
          CompletableFuture.runAsync(() -> local.services().stopReplica(extra.get(stopped)));
      assertThat(runningAtTheKill)
          .as("upgrades of the platforms of the %s still ran when it was killed", killed)
          .isNotEmpty();

      Map<String, JsonNode> ends = new LinkedHashMap<>();
      for (String platform : platforms) {
        ends.put(platform, local.awaitEnd(upgrades.get(platform)));
      }
      List<EventEnvelope> events = readTopics(local.bootstrapServers(), Set.copyOf(platforms));
      for (String platform : platforms) {
        JsonNode end = ends.get(platform);
        String upgradeId = upgrades.get(platform);
        if (failing.contains(platform)) {
          assertThat(end.path("status").asText())
              .as("%s: %s", platform, end)
              .isEqualTo("rolled-back");
          assertThat(events)
              .as("%s failed at its gate, then its rollback completed", platform)
              .anyMatch(e -> e.data() instanceof UpgradeFailed f && f.upgradeId().equals(upgradeId))
              .anyMatch(
                  e ->
                      e.data() instanceof RollbackCompleted
                          && plans(events, platform).stream()
                              .anyMatch(
                                  p ->
                                      upgradeId.equals(p.rollbackOf())
                                          && p.upgradeId().equals(e.subject())));
          assertThat(objects(local, platform))
              .as("every object of %s is back as it was", platform)
              .isEqualTo(seeded.get(platform));
        } else {
          assertThat(end.path("status").asText())
              .as("%s: %s", platform, end)
              .isEqualTo("completed");
          assertThat(end.path("versions"))
              .hasSize(local.sample(platform).componentCount())
              .allSatisfy(v -> assertThat(v.path("state").asText()).isEqualTo("upgraded"));
          assertRunsTheRelease(local, platform);
        }
        assertEveryChangeOnce(local, platform, events);
      }
      stopping.join();
      assertThat(local.services().processes(LockstepService.EXECUTOR))
          .as("the executors are back to one")
          .hasSize(1);
      assertThat(output.toString())
          .as("the narration says which platform each line is about")
          .contains(platforms.get(0) + "  step      wave 0");
    }
  }

  // ---- what the test looks at -----------------------------------------------------------------

  /** Whether the narration printed a line of the platform with the text. */
  private boolean narrated(String platform, String text) {
    return output.toString().lines().anyMatch(l -> l.contains(platform + " ") && l.contains(text));
  }

  /**
   * A base platform id whose five copies' keys fall on every partition of the shared broker's
   * topics, so that each of three executors is handed platforms of its own.
   */
  private static String spreadPlatformId() {
    while (true) {
      String base = "dataos-scale-" + UUID.randomUUID().toString().substring(0, 6);
      Set<Integer> partitions = new java.util.HashSet<>();
      for (int number = 1; number <= PLATFORMS; number++) {
        byte[] key = String.format("%s-%02d", base, number).getBytes(StandardCharsets.UTF_8);
        partitions.add(Utils.toPositive(Utils.murmur2(key)) % KafkaBroker.SHARED_TOPIC_PARTITIONS);
      }
      if (partitions.size() == KafkaBroker.SHARED_TOPIC_PARTITIONS) {
        return base;
      }
    }
  }

  /**
   * A new executor that has changed the cluster and holds the Lease of a platform whose upgrade
   * still runs, or null.
   */
  private static String takingPart(LocalMode local, Map<String, String> upgrades) {
    List<String> running = running(local, upgrades);
    for (String name : EXTRA_EXECUTORS) {
      if (!writesBy(local, List.of(name)).isEmpty()
          && leasesHeldBy(local, List.copyOf(upgrades.keySet()), name).stream()
              .anyMatch(running::contains)) {
        return name;
      }
    }
    return null;
  }

  /** The platforms whose Lease the executor holds now. */
  private static List<String> leasesHeldBy(LocalMode local, List<String> platforms, String name) {
    List<String> held = new ArrayList<>();
    for (String platform : platforms) {
      Lease lease =
          local
              .cluster()
              .client()
              .leases()
              .inNamespace("lockstep")
              .withName("lockstep-executor-" + platform)
              .get();
      if (lease != null && name.equals(lease.getSpec().getHolderIdentity())) {
        held.add(platform);
      }
    }
    return held;
  }

  /** The accepted cluster writes of these executors. */
  private static List<ClusterOperation> writesBy(LocalMode local, List<String> executors) {
    Set<String> actors = executors.stream().map(e -> "executor/" + e).collect(Collectors.toSet());
    return local.cluster().operations().query().byCodeUnderTest().succeeded().list().stream()
        .filter(op -> actors.contains(op.actor()))
        .toList();
  }

  /** The platforms whose upgrade (or its rollback) has not ended, as the recorder tells now. */
  private static List<String> running(LocalMode local, Map<String, String> upgrades) {
    List<String> running = new ArrayList<>();
    upgrades.forEach(
        (platform, id) -> {
          JsonNode view = local.upgrade(id);
          String status = view == null ? "" : view.path("status").asText();
          if (!Set.of("completed", "rolled-back", "rollback-failed", "cancelled", "rejected")
              .contains(status)) {
            running.add(platform);
          }
        });
    return running;
  }

  /**
   * The platform's objects: images and replicas of its Deployments and StatefulSets, its
   * ConfigMaps' data, its Services, and its custom resources' specs.
   */
  private static Map<String, Object> objects(LocalMode local, String platform) {
    Set<String> namespaces = Set.copyOf(local.sample(platform).namespaces());
    KubernetesClient client = local.cluster().client();
    Map<String, Object> state = new TreeMap<>();
    for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
      put(state, namespaces, d, workload(d.getSpec().getTemplate(), d.getSpec().getReplicas()));
    }
    for (StatefulSet s : client.apps().statefulSets().inAnyNamespace().list().getItems()) {
      put(state, namespaces, s, workload(s.getSpec().getTemplate(), s.getSpec().getReplicas()));
    }
    for (Service v : client.services().inAnyNamespace().list().getItems()) {
      put(state, namespaces, v, Map.of("ports", v.getSpec().getPorts().size()));
    }
    for (ConfigMap c : client.configMaps().inAnyNamespace().list().getItems()) {
      put(state, namespaces, c, c.getData() == null ? Map.of() : new TreeMap<>(c.getData()));
    }
    for (GenericKubernetesResource r :
        client
            .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
            .inAnyNamespace()
            .list()
            .getItems()) {
      put(state, namespaces, r, String.valueOf(r.getAdditionalProperties().get("spec")));
    }
    return state;
  }

  private static void put(
      Map<String, Object> state, Set<String> namespaces, HasMetadata object, Object value) {
    String namespace = object.getMetadata().getNamespace();
    if (namespace != null && namespaces.contains(namespace)) {
      state.put(
          object.getKind()
              + "/"
              + object.getMetadata().getNamespace()
              + "/"
              + object.getMetadata().getName(),
          value);
    }
  }

  private static Map<String, Object> workload(PodTemplateSpec template, Integer replicas) {
    Map<String, Object> state = new TreeMap<>();
    template.getSpec().getContainers().forEach(c -> state.put(c.getName(), c.getImage()));
    state.put("replicas", replicas);
    return state;
  }

  /** Every component of the platform runs the release's version, as the cluster says. */
  private static void assertRunsTheRelease(LocalMode local, String platform) {
    KubernetesClient client = local.cluster().client();
    for (Component c : local.sample(platform).releaseManifest().spec().components()) {
      HasMetadata object;
      if (c.helm() != null) {
        object =
            client.apps().deployments().inNamespace(c.helm().namespace()).withName(c.name()).get();
      } else if (c.customResource() != null) {
        GenericKubernetesResource resource =
            client
                .genericKubernetesResources(SimulatedOperator.ROK_CLUSTERS)
                .inNamespace(c.customResource().namespace())
                .withName(c.customResource().name())
                .get();
        assertThat(String.valueOf(resource.getAdditionalProperties().get("spec")))
            .as("%s on %s", c.name(), platform)
            .contains("version=" + c.version());
        continue;
      } else if (c.workload().kind().equals("StatefulSet")) {
        StatefulSet s =
            client
                .apps()
                .statefulSets()
                .inNamespace(c.workload().namespace())
                .withName(c.workload().name())
                .get();
        assertThat(s.getSpec().getTemplate().getSpec().getContainers())
            .as("%s on %s", c.name(), platform)
            .anySatisfy(container -> assertThat(container.getImage()).isEqualTo(c.image()));
        object = s;
      } else {
        Deployment d =
            client
                .apps()
                .deployments()
                .inNamespace(c.workload().namespace())
                .withName(c.workload().name())
                .get();
        assertThat(d.getSpec().getTemplate().getSpec().getContainers())
            .as("%s on %s", c.name(), platform)
            .anySatisfy(container -> assertThat(container.getImage()).isEqualTo(c.image()));
        object = d;
      }
      assertThat(object.getMetadata().getAnnotations())
          .as("%s on %s", c.name(), platform)
          .containsEntry("lockstep.dev/version", c.version());
    }
  }

  /**
   * Each step of the platform's upgrade and rollback succeeded once, and every object in the
   * platform's namespaces was written (created or changed) exactly as often as the steps that
   * succeeded change it: whichever executor ran a step, and however often it was started, its
   * change was made once.
   */
  private static void assertEveryChangeOnce(
      LocalMode local, String platform, List<EventEnvelope> events) {
    List<StepSucceeded> succeeded =
        events.stream()
            .filter(e -> platform.equals(e.platform()) && e.data() instanceof StepSucceeded)
            .map(e -> (StepSucceeded) e.data())
            .toList();
    assertThat(
            succeeded.stream()
                .collect(
                    Collectors.groupingBy(
                        s -> s.upgradeId() + "/" + s.stepId(), Collectors.counting()))
                .values())
        .as("each step of %s succeeded once", platform)
        .isNotEmpty()
        .containsOnly(1L);
    Map<String, PlanStep> steps = new HashMap<>();
    Map<String, PlanMode> modes = new HashMap<>();
    for (Plan plan : plans(events, platform)) {
      for (Wave wave : plan.waves()) {
        for (PlanStep step : wave.steps()) {
          steps.put(plan.upgradeId() + "/" + step.id(), step);
          modes.put(plan.upgradeId() + "/" + step.id(), plan.mode());
        }
      }
    }
    Map<String, Integer> expected = new TreeMap<>();
    for (StepSucceeded s : succeeded) {
      String key = s.upgradeId() + "/" + s.stepId();
      PlanStep step = steps.get(key);
      assertThat(step).as("the plan of step %s", key).isNotNull();
      writesOf(step, modes.get(key), s).forEach(object -> expected.merge(object, 1, Integer::sum));
    }
    Set<String> namespaces = Set.copyOf(local.sample(platform).namespaces());
    Map<String, Integer> actual = new TreeMap<>();
    for (ClusterOperation op :
        local
            .cluster()
            .operations()
            .query()
            .byCodeUnderTest()
            .method("PUT", "PATCH", "POST")
            .mainResource()
            .succeeded()
            .list()) {
      if (namespaces.contains(op.namespace())) {
        actual.merge(objectKey(op.kind(), op.namespace(), op.name()), 1, Integer::sum);
      }
    }
    assertThat(actual).as("the writes on %s", platform).isEqualTo(expected);
  }

  /** The objects a succeeded step created or changed, one entry per write. */
  private static List<String> writesOf(PlanStep step, PlanMode mode, StepSucceeded result) {
    List<String> writes = new ArrayList<>();
    if (mode == PlanMode.ROLLBACK && step.restore() != null && !step.restore().isEmpty()) {
      // a rollback step puts back each recorded object that existed and deletes the others
      step.restore().stream()
          .filter(o -> o.exists())
          .forEach(o -> writes.add(objectKey(o.kind(), o.namespace(), o.name())));
      return writes;
    }
    switch (step.action()) {
      case SET_IMAGE ->
          writes.add(
              objectKey(
                  step.workload().kind(), step.workload().namespace(), step.workload().name()));
      case DRAIN, RESTORE_REPLICAS ->
          step.targets().forEach(t -> writes.add(objectKey(t.kind(), t.namespace(), t.name())));
      case APPLY ->
          step.objects()
              .forEach(
                  o -> {
                    Map<?, ?> metadata = (Map<?, ?>) o.get("metadata");
                    writes.add(
                        objectKey(
                            String.valueOf(o.get("kind")),
                            String.valueOf(metadata.get("namespace")),
                            String.valueOf(metadata.get("name"))));
                  });
      case PATCH_RESOURCE ->
          writes.add(
              objectKey(
                  step.customResource().kind(),
                  step.customResource().namespace(),
                  step.customResource().name()));
      case MIGRATE, RESTORE_SNAPSHOT ->
          // the Job it creates (recorded as absent), the claims it re-creates from the snapshot
          result.before().forEach(o -> writes.add(objectKey(o.kind(), o.namespace(), o.name())));
      case BACKUP -> {
        for (String snapshot : result.snapshot().split(",")) {
          writes.add(objectKey("VolumeSnapshot", step.workload().namespace(), snapshot.trim()));
        }
      }
      default -> {}
    }
    return writes;
  }

  private static String objectKey(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }

  /** The platform's plans (upgrade and rollback) on the topics. */
  private static List<Plan> plans(List<EventEnvelope> events, String platform) {
    return events.stream()
        .filter(e -> platform.equals(e.platform()) && e.data() instanceof PlanCreated)
        .map(e -> ((PlanCreated) e.data()).plan())
        .toList();
  }

  private static List<EventEnvelope> readTopics(String bootstrap, Set<String> platforms) {
    EventCodec codec = EventCodec.standard();
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    List<EventEnvelope> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : Topics.EVENT_TOPICS) {
        consumer
            .partitionsFor(topic)
            .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Instant deadline = Instant.now().plusSeconds(60);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
          && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (platforms.contains(record.key())) {
            events.add(codec.fromRecord(record));
          }
        }
      }
    }
    return events;
  }
}
