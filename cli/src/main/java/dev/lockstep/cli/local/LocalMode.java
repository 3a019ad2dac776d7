package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.config.CliConfig;
import dev.lockstep.cli.model.Outcome;
import dev.lockstep.cli.model.Upgrade;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.cluster.SimulatedSnapshotController;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code lockstep local}: a real Kafka broker, a real PostgreSQL, the simulated cluster seeded with
 * the sample platform, and the five services as processes of their own; then the sample scenario,
 * printed as it happens, and the summary: the version table, the teams' feeds and the post-mortem.
 */
public final class LocalMode implements AutoCloseable {
  /** How long a failed upgrade may wait for its rollback before it counts as ended. */
  private static final Duration NO_ROLLBACK = Duration.ofSeconds(30);

  private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(5);

  private final Options options;
  private final PrintWriter out;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final AtomicBoolean narrating = new AtomicBoolean(true);
  private String bootstrapServers;
  private SimulatedCluster cluster;
  private SimulatedEndpoints endpoints;
  private SamplePlatform sample;
  private LocalServices services;
  private String token;
  private Thread narrator;

  /**
   * How to run.
   *
   * @param checkout the built checkout (services' class paths, docs/examples)
   * @param directory where configuration, logs and the post-mortem go
   * @param scenario {@code failing-gate} or {@code happy}
   * @param platform the sample platform's id
   * @param fixedPorts the ports of DESIGN section 2 (the local mode), or free ones (tests)
   * @param shared the infrastructure to use (tests share one broker and one server per JVM), or
   *     null to start a dedicated broker and server
   * @param configFile where to store the token and URLs for the other commands, or null
   * @param supervised whether a service that exits is started again ({@link
   *     RestartBackoff#STANDARD}), as {@code lockstep local} does; the end-to-end tests that kill
   *     and restart services themselves run without
   */
  public record Options(
      Path checkout,
      Path directory,
      String scenario,
      String platform,
      boolean fixedPorts,
      Infrastructure shared,
      Path configFile,
      boolean supervised) {

    /** Without supervision: a service that exits stays stopped. */
    public Options(
        Path checkout,
        Path directory,
        String scenario,
        String platform,
        boolean fixedPorts,
        Infrastructure shared,
        Path configFile) {
      this(checkout, directory, scenario, platform, fixedPorts, shared, configFile, false);
    }
  }

  /**
   * A Kafka broker and a PostgreSQL server that outlive this local mode.
   *
   * @param bootstrapServers the broker's address
   * @param postgres the server
   */
  public record Infrastructure(String bootstrapServers, Postgres postgres) {
    public Infrastructure(KafkaBroker kafka, Postgres postgres) {
      this(kafka.bootstrapServers(), postgres);
    }
  }

  private LocalMode(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
  }

  /** Starts everything; returns when the five services are ready. */
  public static LocalMode start(Options options, PrintWriter out) {
    LocalMode local = new LocalMode(options, out);
    try {
      local.startAll();
      return local;
    } catch (RuntimeException e) {
      local.close();
      throw e;
    }
  }

  private void startAll() {
    Instant begin = Instant.now();
    sample = SamplePlatform.load(options.checkout().resolve("docs/examples/sample-platform"));
    Postgres postgres;
    if (options.shared() == null) {
      say("starting a Kafka broker and PostgreSQL ...");
      KafkaBroker kafka = quietly(KafkaBroker::start);
      owned.add(kafka);
      kafka.createTopics(Topics.ALL, 3);
      bootstrapServers = kafka.bootstrapServers();
      postgres = Postgres.start();
      owned.add(postgres);
    } else {
      bootstrapServers = options.shared().bootstrapServers();
      postgres = options.shared().postgres();
    }
    cluster = new SimulatedCluster().start();
    owned.add(cluster);
    SimulatedSnapshotController snapshots = new SimulatedSnapshotController(cluster).start();
    owned.add(snapshots);
    endpoints = new SimulatedEndpoints(cluster, options.fixedPorts() ? 8089 : 0).start();
    owned.add(endpoints);
    SimulatedOperator operator = new SimulatedOperator(cluster).start();
    owned.add(operator);
    sample.seed(cluster);
    sample.awaitRunning(cluster, Duration.ofSeconds(30));
    sample.applyScenario(options.scenario(), endpoints);
    say(
        "simulated cluster at "
            + cluster.kubernetesUrl()
            + " with the sample platform "
            + options.platform()
            + " ("
            + sample.componentCount()
            + " components in namespaces "
            + String.join(", ", sample.namespaces())
            + ")");
    say("starting the planner, executor, validator, notifier and rca-recorder ...");
    String prefix = "lockstep_" + options.platform().replaceAll("[^a-z0-9]", "_");
    services =
        LocalServices.start(
            new LocalServices.Settings(
                options.checkout(),
                options.directory().resolve("services"),
                bootstrapServers,
                postgres,
                prefix,
                cluster.kubernetesUrl(),
                options.platform(),
                sample.namespaces(),
                sample.customResourceKinds(),
                sample.chartsDirectory(),
                sample.subscriptions(),
                options.fixedPorts(),
                "256m",
                options.supervised() ? RestartBackoff.STANDARD : null),
            this::say);
    owned.add(services);
    token = services.token("local-operator", LocalServices.ALL_ROLES, Duration.ofHours(12));
    for (LockstepService service : LockstepService.values()) {
      say(
          String.format(
              "  %-13s %s   log: %s",
              service.id(), services.url(service), services.process(service).log()));
    }
    say("  kafka         " + bootstrapServers + "   (topics lockstep.*, the event log)");
    say("  postgresql    " + recorderDatabaseUrl(postgres, prefix) + "   (the recorder's events)");
    if (options.supervised()) {
      say("a service that exits is started again, as Kubernetes restarts a crashed pod");
    }
    if (options.configFile() != null) {
      new CliConfig(
              token,
              services.url(LockstepService.PLANNER),
              services.url(LockstepService.RECORDER),
              services.url(LockstepService.NOTIFIER),
              bootstrapServers,
              recorderDatabaseUrl(postgres, prefix))
          .save(options.configFile());
      say(
          "token (roles submitter, approver, viewer), stored in "
              + options.configFile()
              + " for the other commands:");
      say("  " + token);
    }
    startNarrator();
    say("up in " + Duration.between(begin, Instant.now()).toMillis() / 100 / 10.0 + " s");
  }

  /**
   * The JDBC URL of the recorder's database with the user name and without the password (the
   * embedded server has none; an external server's stays in the services' configuration files).
   */
  static String recorderDatabaseUrl(Postgres postgres, String databasePrefix) {
    return "jdbc:postgresql://"
        + postgres.host()
        + ":"
        + postgres.port()
        + "/"
        + LocalServices.recorderDatabase(databasePrefix)
        + "?user="
        + postgres.username();
  }

  /** The services. */
  public LocalServices services() {
    return services;
  }

  /** The simulated cluster. */
  public SimulatedCluster cluster() {
    return cluster;
  }

  /** The sample platform. */
  public SamplePlatform sample() {
    return sample;
  }

  /** A token with every role. */
  public String token() {
    return token;
  }

  /** The platform's id. */
  public String platform() {
    return options.platform();
  }

  /** The Kafka broker's address. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The simulated endpoints that the sample's http gates ask. */
  public SimulatedEndpoints endpoints() {
    return endpoints;
  }

  /** The sample release as this local mode submits it (its gates pointed at the endpoints). */
  public String release() {
    return sample.release(endpoints.baseUrl());
  }

  /**
   * Runs the scenario: waits until the planner knows what runs on the platform, submits the sample
   * release, and returns the upgrade's id once it and any rollback have ended; prints the summary.
   */
  public String runScenario() {
    awaitInventory();
    String upgradeId = submit();
    printSummary(awaitEnd(upgradeId));
    return upgradeId;
  }

  /** Submits the sample release through the planner's API; the upgrade's id. */
  public String submit() {
    URI uri =
        services
            .url(LockstepService.PLANNER)
            .resolve("/api/v1/upgrades?platform=" + encode(options.platform()));
    String upgradeId =
        new LocalHttp(token).post(uri, "application/yaml", release()).path("upgradeId").asText();
    say("submitted release " + sample.releaseVersion() + " as upgrade " + upgradeId);
    return upgradeId;
  }

  /** Waits until the planner's inventory of the platform has every component of the sample. */
  public void awaitInventory() {
    LocalHttp http = new LocalHttp(token);
    URI uri =
        services
            .url(LockstepService.PLANNER)
            .resolve("/api/v1/platforms/" + encode(options.platform()));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      JsonNode platform = http.get(uri);
      if (platform != null && platform.path("inventory").size() >= sample.componentCount()) {
        return;
      }
      sleep(Duration.ofMillis(250));
    }
    ServiceProcess executor = services.process(LockstepService.EXECUTOR);
    throw new IllegalStateException(
        "the planner has no inventory of "
            + options.platform()
            + " after a minute: see the executor's log "
            + executor.log()
            + " and its threads "
            + executor.dumpThreads());
  }

  /**
   * Waits until the upgrade and, when it failed, its rollback have ended; the final upgrade view.
   */
  public JsonNode awaitEnd(String upgradeId) {
    return awaitEnd(new LocalHttp(token), upgradeId);
  }

  private JsonNode awaitEnd(LocalHttp http, String upgradeId) {
    URI uri =
        services.url(LockstepService.RECORDER).resolve("/api/v1/upgrades/" + encode(upgradeId));
    Instant deadline = Instant.now().plus(SCENARIO_TIMEOUT);
    Instant failedSince = null;
    while (Instant.now().isBefore(deadline)) {
      JsonNode json = http.get(uri);
      if (json != null) {
        Upgrade upgrade = Upgrade.of(json);
        if (Outcome.ended(upgrade)) {
          return json;
        }
        // a failed upgrade is rolled back next; it has ended only when no rollback comes
        if (Outcome.endsAsFailed(upgrade)) {
          failedSince = failedSince == null ? Instant.now() : failedSince;
          if (Duration.between(failedSince, Instant.now()).compareTo(NO_ROLLBACK) > 0) {
            return json;
          }
        } else {
          failedSince = null;
        }
      }
      sleep(Duration.ofMillis(250));
    }
    throw new IllegalStateException(
        "upgrade " + upgradeId + " did not end within " + SCENARIO_TIMEOUT);
  }

  /** Prints how an upgrade ended: versions, the teams' feeds, where its post-mortem is. */
  public void printSummary(JsonNode upgrade) {
    LocalHttp http = new LocalHttp(token);
    String id = upgrade.path("upgradeId").asText();
    sleep(Duration.ofSeconds(1)); // the last notifications are on their way
    say("");
    say("upgrade " + id + ": " + upgrade.path("status").asText());
    say(String.format("  %-15s %-10s %-10s %s", "COMPONENT", "FROM", "TO", "STATE"));
    for (JsonNode v : upgrade.path("versions")) {
      say(
          String.format(
              "  %-15s %-10s %-10s %s",
              v.path("component").asText(),
              v.path("from").asText("-"),
              v.path("to").asText("-"),
              v.path("state").asText()));
    }
    say("");
    say("what the teams' feeds show:");
    for (String team : sample.teams()) {
      JsonNode feed =
          http.get(services.url(LockstepService.NOTIFIER).resolve("/api/v1/feeds/" + encode(team)));
      List<JsonNode> entries = new ArrayList<>();
      if (feed != null) {
        feed.path("entries").forEach(entries::add);
      }
      say("  team " + team + " (" + entries.size() + " entries, newest first):");
      entries.stream()
          .limit(6)
          .forEach(
              e -> say("    " + e.path("severity").asText() + "  " + e.path("subject").asText()));
    }
    Path postmortem = options.directory().resolve("postmortem-" + id + ".md");
    String markdown =
        http.getText(
            services
                .url(LockstepService.RECORDER)
                .resolve("/api/v1/upgrades/" + encode(id) + "/postmortem"),
            "text/markdown");
    try {
      Files.writeString(postmortem, markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    say("");
    say("post-mortem: " + postmortem.toAbsolutePath());
    say(
        "  also: ./lockstep postmortem "
            + id
            + "   ./lockstep replay "
            + id
            + "   ./lockstep status "
            + id);
  }

  private void startNarrator() {
    Properties config = new Properties();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("enable.auto.commit", "false");
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config);
    // every partition from its beginning, in no group: the events of this platform only
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    EventCodec codec = EventCodec.standard();
    narrator =
        new Thread(
            () -> {
              try (consumer) {
                while (narrating.get()) {
                  for (ConsumerRecord<String, byte[]> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    if (!options.platform().equals(record.key())) {
                      continue;
                    }
                    try {
                      EventEnvelope event = codec.fromRecord(record);
                      EventNarrator.narrate(event).ifPresent(this::say);
                    } catch (RuntimeException e) {
                      say("(an event that cannot be read: " + e.getMessage() + ")");
                    }
                  }
                }
              } catch (org.apache.kafka.common.errors.InterruptException e) {
                // closing
              }
            },
            "lockstep-local-narrator");
    narrator.setDaemon(true);
    narrator.start();
  }

  /** Runs a start that prints to standard output (the embedded broker's storage formatting). */
  private static <T> T quietly(java.util.function.Supplier<T> start) {
    java.io.PrintStream stdout = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    try {
      return start.get();
    } finally {
      System.setOut(stdout);
    }
  }

  private synchronized void say(String line) {
    out.println(line);
    out.flush();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static <T> List<T> reversed(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }

  /** Stops the narrator, the services, the cluster and what this local mode started. */
  @Override
  public void close() {
    narrating.set(false);
    if (narrator != null) {
      try {
        narrator.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // the reverse of the start: services first, Kafka and PostgreSQL last
    for (AutoCloseable closeable : reversed(owned)) {
      try {
        closeable.close();
      } catch (Exception e) {
        out.println("while stopping: " + e.getMessage());
      }
    }
    owned.clear();
  }
}
