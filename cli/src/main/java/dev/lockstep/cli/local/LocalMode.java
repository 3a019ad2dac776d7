package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.config.CliConfig;
import dev.lockstep.cli.model.Outcome;
import dev.lockstep.cli.model.Upgrade;
import dev.lockstep.events.Topics;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.cluster.SimulatedSnapshotController;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code lockstep local}: a real Kafka broker, a real PostgreSQL, the simulated cluster seeded with
 * the sample platform, and the five services as processes of their own; then the sample scenario,
 * printed as it happens, and the summary: the version table, the teams' feeds and the post-mortem.
 */
public final class LocalMode implements AutoCloseable {
  /** How long a failed upgrade may wait for its rollback before it counts as ended. */
  private static final Duration NO_ROLLBACK = Duration.ofSeconds(30);

  private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(5);

  /**
   * How long a request is sent again while its service cannot be reached (a restarted JVM answers
   * within seconds; on a loaded two-core machine, beside the other four, it took up to 23 s).
   */
  private static final Duration SERVICE_BACK_WITHIN = Duration.ofSeconds(90);

  /** A part of the local mode whose stop takes longer than this is logged. */
  private static final Duration SLOW_STOP = Duration.ofSeconds(2);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalMode.class);

  private final Options options;
  private final PrintWriter out;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private String bootstrapServers;
  private SimulatedCluster cluster;
  private SimulatedEndpoints endpoints;
  private SimulatedSnapshotController snapshots;
  private Postgres postgres;
  private SamplePlatform sample;

  /** The platforms in order, each with its copy of the sample (the sample itself for one). */
  private final Map<String, SamplePlatform> samples = new LinkedHashMap<>();

  /** Each platform's run of its scenario. */
  private final Map<String, ScenarioRun> runs = new LinkedHashMap<>();

  /** The services (by host and port) the narration said once it cannot reach. */
  private final Set<String> unreachableSaid = ConcurrentHashMap.newKeySet();

  /** The upgrade of each platform that {@link #runScenario} submitted. */
  private final Map<String, String> scenarioUpgrades = new LinkedHashMap<>();

  /** How each platform's scenario upgrade ended, once {@link #runScenario} has returned. */
  private final Map<String, JsonNode> scenarioEnds = new LinkedHashMap<>();

  private LocalServices services;
  private Tracing tracing;
  private String token;
  private URI consoleSignIn;
  private LiveNarration narration;

  /**
   * How to run.
   *
   * @param checkout the built checkout (services' class paths, docs/examples)
   * @param directory where configuration, logs and the post-mortem go
   * @param scenario the {@link Scenario}'s name, or several comma-separated, which the platforms
   *     take in turn
   * @param platform the sample platform's id
   * @param fixedPorts the ports of DESIGN section 2 (the local mode), or free ones (tests)
   * @param shared the infrastructure to use (tests share one broker and one server per JVM), or
   *     null to start a dedicated broker and server
   * @param configFile where to store the token and URLs for the other commands, or null
   * @param supervised whether a service that exits is started again ({@link
   *     RestartBackoff#STANDARD}), as {@code lockstep local} does; the end-to-end tests that kill
   *     and restart services themselves run without
   * @param replicas how many instances of each service run (1 to {@value #MAX_REPLICAS}); the first
   *     of each has the fixed port, the others free ones
   * @param platforms how many copies of the sample platform run on the simulated cluster (1 to
   *     {@value #MAX_PLATFORMS}): one is {@code platform} itself, more are {@code platform-01},
   *     {@code platform-02} ..., each in namespaces of its own ({@code storage-01} ...)
   * @param rehearsal one's own release on one's own cluster file, with its faults, instead of the
   *     sample (one platform, whose id is {@code platform}), or null for the sample
   * @param tracing where the services send their spans ({@link Tracing#viewer()}: a Zipkin server
   *     this local mode starts), or null for nowhere
   */
  public record Options(
      Path checkout,
      Path directory,
      String scenario,
      String platform,
      boolean fixedPorts,
      Infrastructure shared,
      Path configFile,
      boolean supervised,
      int replicas,
      int platforms,
      Rehearsal rehearsal,
      Tracing tracing) {

    /** The most instances of each service ({@code --replicas}). */
    public static final int MAX_REPLICAS = 5;

    /** The most copies of the sample platform ({@code --platforms}). */
    public static final int MAX_PLATFORMS = 200;

    public Options {
      if (replicas < 1 || replicas > MAX_REPLICAS) {
        throw new IllegalArgumentException(
            "replicas must be 1 to " + MAX_REPLICAS + ", not " + replicas);
      }
      if (platforms < 1 || platforms > MAX_PLATFORMS) {
        throw new IllegalArgumentException(
            "platforms must be 1 to " + MAX_PLATFORMS + ", not " + platforms);
      }
      if (rehearsal != null && platforms != 1) {
        throw new IllegalArgumentException("a rehearsal runs on one platform, not " + platforms);
      }
    }

    /** Without tracing. */
    public Options(
        Path checkout,
        Path directory,
        String scenario,
        String platform,
        boolean fixedPorts,
        Infrastructure shared,
        Path configFile,
        boolean supervised,
        int replicas,
        int platforms,
        Rehearsal rehearsal) {
      this(
          checkout,
          directory,
          scenario,
          platform,
          fixedPorts,
          shared,
          configFile,
          supervised,
          replicas,
          platforms,
          rehearsal,
          null);
    }

    /** The same, with the services' spans sent as {@code tracing} says. */
    public Options withTracing(Tracing tracing) {
      return new Options(
          checkout,
          directory,
          scenario,
          platform,
          fixedPorts,
          shared,
          configFile,
          supervised,
          replicas,
          platforms,
          rehearsal,
          tracing);
    }

    /** The sample, not a rehearsal. */
    public Options(
        Path checkout,
        Path directory,
        String scenario,
        String platform,
        boolean fixedPorts,
        Infrastructure shared,
        Path configFile,
        boolean supervised,
        int replicas,
        int platforms) {
      this(
          checkout,
          directory,
          scenario,
          platform,
          fixedPorts,
          shared,
          configFile,
          supervised,
          replicas,
          platforms,
          null);
    }

    /** One instance of each service, one platform. */
    public Options(
        Path checkout,
        Path directory,
        String scenario,
        String platform,
        boolean fixedPorts,
        Infrastructure shared,
        Path configFile,
        boolean supervised) {
      this(
          checkout,
          directory,
          scenario,
          platform,
          fixedPorts,
          shared,
          configFile,
          supervised,
          1,
          1);
    }

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
    sample =
        options.rehearsal() != null
            ? options.rehearsal().platform()
            : SamplePlatform.load(options.checkout().resolve("docs/examples/sample-platform"));
    List<Scenario> scenarios = Scenario.parseAll(options.scenario());
    TraceViewer viewer = null;
    if (options.tracing() != null && options.tracing().startsViewer()) {
      // Zipkin takes a few seconds to start: the rest of the start overlaps it
      viewer =
          TraceViewer.start(
              options.checkout(),
              options.fixedPorts() ? TraceViewer.DEFAULT_PORT : FreePorts.pick(),
              options.directory().resolve("trace-viewer"));
      owned.add(viewer);
    }
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
    snapshots = new SimulatedSnapshotController(cluster).start();
    owned.add(snapshots);
    endpoints = new SimulatedEndpoints(cluster, options.fixedPorts() ? 8089 : 0).start();
    owned.add(endpoints);
    SimulatedOperator operator = new SimulatedOperator(cluster).start();
    owned.add(operator);
    for (int number = 1; number <= options.platforms(); number++) {
      Scenario scenario = scenarios.get((number - 1) % scenarios.size());
      SamplePlatform variant = sample.variant(scenario.variant());
      SamplePlatform copy =
          options.platforms() == 1 ? variant : variant.copy(options.platform(), number);
      String id = options.platforms() == 1 ? options.platform() : copy.platformId();
      samples.put(id, copy);
      runs.put(id, new ScenarioRun(scenario, id, copy, this));
    }
    for (SamplePlatform platform : samples.values()) {
      platform.seed(cluster);
    }
    for (ScenarioRun run : runs.values()) {
      run.sample().awaitRunning(cluster, Duration.ofSeconds(30));
      run.scenario().prepare(run);
    }
    if (options.rehearsal() != null) {
      options.rehearsal().apply(cluster, endpoints);
    }
    if (options.platforms() == 1) {
      say(
          "simulated cluster at "
              + cluster.kubernetesUrl()
              + (options.rehearsal() == null ? " with the sample platform " : " with the platform ")
              + options.platform()
              + " ("
              + sample.componentCount()
              + " components in namespaces "
              + String.join(", ", sample.namespaces())
              + ")");
    } else {
      List<String> ids = platforms();
      SamplePlatform first = samples.get(ids.get(0));
      say(
          "simulated cluster at "
              + cluster.kubernetesUrl()
              + " with "
              + ids.size()
              + " copies of the sample platform, "
              + ids.get(0)
              + " to "
              + ids.get(ids.size() - 1)
              + " ("
              + sample.componentCount()
              + " components each; "
              + ids.get(0)
              + " in namespaces "
              + String.join(", ", first.namespaces())
              + ", and so on)");
    }
    say(
        "starting the planner, executor, validator, notifier, rca-recorder and console"
            + (options.replicas() == 1 ? "" : ", " + options.replicas() + " instances of each")
            + " ...");
    tracing = options.tracing();
    if (viewer != null) {
      viewer.awaitReady();
      tracing = Tracing.zipkin(viewer.baseUrl());
      say("trace viewer (Zipkin) at " + viewer.baseUrl() + "/zipkin/ receives the services' spans");
    }
    String prefix = "lockstep_" + options.platform().replaceAll("[^a-z0-9]", "_");
    List<LocalServices.Platform> served = new ArrayList<>();
    runs.forEach(
        (id, run) ->
            served.add(
                new LocalServices.Platform(
                    id, run.sample().namespaces(), run.datasources(), run.recurringWindows())));
    services =
        LocalServices.start(
            new LocalServices.Settings(
                options.checkout(),
                options.directory().resolve("services"),
                bootstrapServers,
                postgres,
                prefix,
                cluster.kubernetesUrl(),
                platform(),
                samples.get(platform()).namespaces(),
                sample.customResourceKinds(),
                sample.chartsDirectory(),
                sample.subscriptions(),
                options.fixedPorts(),
                "256m",
                options.supervised() ? RestartBackoff.STANDARD : null,
                served,
                options.replicas(),
                tracing),
            this::say);
    owned.add(services);
    token = services.token("local-operator", LocalServices.ALL_ROLES, Duration.ofHours(12));
    Map<String, ServiceProcess> instances = services.instances();
    int width =
        Math.max(13, instances.keySet().stream().mapToInt(String::length).max().orElse(0) + 1);
    instances.forEach(
        (name, process) ->
            say(
                String.format(
                    "  %-" + width + "s %s   log: %s", name, process.url(), process.log())));
    say("  kafka         " + bootstrapServers + "   (topics lockstep.*, the event log)");
    say("  postgresql    " + recorderDatabaseUrl(postgres, prefix) + "   (the recorder's events)");
    consoleSignIn = services.consoleSignIn(token);
    say(
        "  web console   "
            + consoleSignIn
            + "   (signs you in, once, within 10 minutes; "
            + services.url(LockstepService.CONSOLE)
            + "/signin takes a token)");
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
    narration =
        LiveNarration.start(
            bootstrapServers,
            samples.keySet(),
            this::say,
            event -> {
              ScenarioRun run = runs.get(event.platform());
              if (run != null) {
                run.seen(event);
              }
            });
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

  /** The PostgreSQL server the services and the sample's data use. */
  Postgres postgres() {
    return postgres;
  }

  /** The simulated CSI snapshotter. */
  SimulatedSnapshotController snapshots() {
    return snapshots;
  }

  /** Where configuration, logs and the post-mortem go. */
  Path directory() {
    return options.directory();
  }

  /** A platform's run of its scenario. */
  public ScenarioRun run(String platform) {
    sample(platform); // an unknown platform is an error that lists the platforms
    return runs.get(platform);
  }

  /**
   * The environment a {@code lockstep} command needs to talk to this local mode as the local
   * operator: the services' URLs and the operator's token; {@code configFile} is read instead of
   * the user's {@code ~/.lockstep/config.json} (a file that does not exist: nothing).
   */
  public Map<String, String> cliEnvironment(Path configFile) {
    return Map.of(
        "LOCKSTEP_PLANNER_URL", services.url(LockstepService.PLANNER).toString(),
        "LOCKSTEP_RECORDER_URL", services.url(LockstepService.RECORDER).toString(),
        "LOCKSTEP_NOTIFIER_URL", services.url(LockstepService.NOTIFIER).toString(),
        "LOCKSTEP_TOKEN", token,
        "LOCKSTEP_CONFIG", configFile.toString());
  }

  /** The services. */
  public LocalServices services() {
    return services;
  }

  /** The simulated cluster. */
  public SimulatedCluster cluster() {
    return cluster;
  }

  /** The sample platform (the first platform's copy of it when there are several). */
  public SamplePlatform sample() {
    return samples.isEmpty() ? sample : samples.values().iterator().next();
  }

  /** A platform's copy of the sample platform. */
  public SamplePlatform sample(String platform) {
    SamplePlatform copy = samples.get(platform);
    if (copy == null) {
      throw new IllegalArgumentException(
          "no platform " + platform + " in this local mode (" + platforms() + ")");
    }
    return copy;
  }

  /**
   * The platforms' ids, in order: {@code dataos-local} alone, or {@code dataos-local-01} to {@code
   * dataos-local-MM} with {@code --platforms M}.
   */
  public List<String> platforms() {
    return List.copyOf(samples.keySet());
  }

  /**
   * Makes the sample's gate of the {@code failing-gate} scenario fail on a platform from now on
   * (the new workbench image answers 503 in its namespace), or pass again; the other platforms keep
   * theirs.
   */
  public void failGate(String platform, boolean failing) {
    sample(platform).failGate(endpoints, failing);
  }

  /** The console URL that signs the local operator in, once (as printed). */
  public URI consoleSignIn() {
    return consoleSignIn;
  }

  /** A token with every role. */
  public String token() {
    return token;
  }

  /** The (first) platform's id. */
  public String platform() {
    return options.platforms() == 1
        ? options.platform()
        : SampleCopies.platformId(options.platform(), 1);
  }

  /**
   * Where the services send their spans, with the started trace viewer's URLs ({@code --tracing});
   * null without tracing.
   */
  public Tracing tracing() {
    return tracing;
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
    return release(platform());
  }

  /** The release as this local mode submits it for a platform (its namespaces, the endpoints). */
  public String release(String platform) {
    return sample(platform).release(endpoints.baseUrl());
  }

  /**
   * Runs the scenario on every platform at once: waits until the planner knows what runs on each,
   * submits the sample release for each, and returns the first platform's upgrade id once every
   * upgrade and any rollback have ended; prints the summary (with several platforms, a line for
   * each first).
   */
  public String runScenario() {
    awaitInventory();
    Map<String, AvailabilityProbe> probes = new LinkedHashMap<>();
    for (String platform : platforms()) {
      String upgradeId = submit(platform);
      scenarioUpgrades.put(platform, upgradeId);
      runs.get(platform).started(upgradeId);
      probes.put(
          platform,
          AvailabilityProbe.start(
              platform,
              upgradeId,
              runs.get(platform).sample().releaseManifest(),
              endpoints.baseUrl()));
    }
    Map<String, JsonNode> ends = new LinkedHashMap<>();
    scenarioUpgrades.forEach((platform, id) -> ends.put(platform, awaitEnd(id)));
    scenarioEnds.putAll(ends);
    ends.keySet().forEach(platform -> runs.get(platform).checkEvents());
    ends.forEach((platform, end) -> reportAvailability(platform, probes.get(platform), end));
    if (ends.size() > 1) {
      say("");
      say("how the upgrades ended:");
      ends.forEach(
          (platform, end) ->
              say(
                  String.format(
                      "  %-20s %-15s %s  %s%s",
                      platform,
                      runs.get(platform).scenario(),
                      end.path("upgradeId").asText(),
                      end.path("status").asText(),
                      asExpected(platform, end) ? "" : " (expected " + expected(platform) + ")")));
    }
    printSummary(ends.get(platform()));
    printTraces(ends.get(platform()));
    return scenarioUpgrades.get(platform());
  }

  /** With a trace viewer, prints where it shows the upgrade's trace and its rollbacks'. */
  private void printTraces(JsonNode upgrade) {
    if (tracing == null || tracing.viewerUrl() == null) {
      return;
    }
    String url = tracing.traceUrl(upgrade.path("traceId").asText(null));
    if (url != null) {
      say("the upgrade's trace: " + url);
    }
    for (JsonNode rollbackId : upgrade.path("rollbacks")) {
      JsonNode rollback = upgrade(rollbackId.asText());
      String rollbackUrl = tracing.traceUrl(rollback.path("traceId").asText(null));
      if (rollbackUrl != null) {
        say("its rollback's trace (linked to the upgrade's): " + rollbackUrl);
      }
    }
  }

  /**
   * Publishes what the prober saw of a platform's upgrade up to its end ({@code
   * availability.observed}, for the post-mortem) and says which components it found unavailable.
   */
  private void reportAvailability(String platform, AvailabilityProbe probe, JsonNode end) {
    Instant endedAt =
        end.hasNonNull("endedAt") ? Instant.parse(end.path("endedAt").asText()) : Instant.now();
    var observed = probe.observed(endedAt);
    AvailabilityProbe.publish(bootstrapServers, observed);
    List<String> down = new ArrayList<>();
    for (var component : observed.components()) {
      if (component.failures() > 0) {
        down.add(
            component.component()
                + " "
                + component.unavailable().toMillis() / 1000.0
                + " s (longest "
                + component.longestOutage().toMillis() / 1000.0
                + " s)");
      }
    }
    int probes = observed.components().stream().mapToInt(c -> c.requests()).sum();
    say(
        "availability"
            + (options.platforms() == 1 ? "" : " of " + platform)
            + ": "
            + probes
            + " probes of "
            + observed.components().size()
            + " components; "
            + (down.isEmpty() ? "none was unavailable" : "unavailable: " + String.join(", ", down))
            + " (the post-mortem compares it with the plan)");
  }

  /**
   * Whether every upgrade of {@link #runScenario} ended as its platform's scenario expects (false
   * before it ran).
   */
  public boolean endedAsExpected() {
    return !scenarioEnds.isEmpty()
        && scenarioEnds.entrySet().stream().allMatch(e -> asExpected(e.getKey(), e.getValue()));
  }

  private boolean asExpected(String platform, JsonNode end) {
    return expected(platform).equals(end.path("status").asText())
        && runs.get(platform).sawWhatItMust();
  }

  private String expected(String platform) {
    if (options.rehearsal() != null && !options.rehearsal().faults().isEmpty()) {
      return "rolled-back"; // a fault makes a gate or a rollout fail
    }
    return runs.get(platform).scenario().expectedStatus();
  }

  /** The upgrade that {@link #runScenario} submitted on each platform, by platform. */
  public Map<String, String> scenarioUpgrades() {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scenarioUpgrades));
  }

  /** Submits the sample release for the (first) platform through the planner's API; its id. */
  public String submit() {
    return submit(platform());
  }

  /**
   * Submits the sample release for a platform through the planner's API; the upgrade's id. The id
   * is drawn here, so that a request sent again while the planner is started again (it died, and
   * the supervisor brings it back) cannot make a second upgrade: the planner folds a second request
   * of the same id into the first, and answers 409 when it knows it already.
   */
  public String submit(String platform) {
    ScenarioRun run = runs.get(platform);
    String upgradeId = "up-" + UUID.randomUUID();
    new LocalHttp(token)
        .postAgainUntil(
            services.url(LockstepService.PLANNER).resolve("/api/v1/upgrades"),
            "application/json",
            run.request(release(platform), upgradeId),
            Instant.now().plus(SERVICE_BACK_WITHIN),
            problem -> say(problem + "; sending the request again until it answers"));
    Scenario scenario = runs.get(platform).scenario();
    say(
        "submitted release "
            + sample.releaseVersion()
            + (scenario.variant() == null ? "" : " with " + scenario.variant())
            + (options.platforms() == 1 ? "" : " for " + platform)
            + " as upgrade "
            + upgradeId
            + (options.rehearsal() == null || options.rehearsal().faults().isEmpty()
                ? " (scenario " + scenario + ": " + scenario.description() + ")"
                : " (faults " + options.rehearsal().faults() + ": it should roll back)"));
    return upgradeId;
  }

  /** Waits until the planner's inventory of every platform has every component of the sample. */
  public void awaitInventory() {
    for (String platform : platforms()) {
      awaitInventory(platform);
    }
  }

  /** Waits until the planner's inventory of the platform has every component of the sample. */
  public void awaitInventory(String platform) {
    LocalHttp http = new LocalHttp(token);
    URI uri =
        services.url(LockstepService.PLANNER).resolve("/api/v1/platforms/" + encode(platform));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      JsonNode known = getWhileRestarting(http, uri);
      if (known != null && known.path("inventory").size() >= sample.componentCount()) {
        return;
      }
      sleep(Duration.ofMillis(250));
    }
    ServiceProcess executor = services.process(LockstepService.EXECUTOR);
    throw new IllegalStateException(
        "the planner has no inventory of "
            + platform
            + " after a minute: see the executor's log "
            + executor.log()
            + " and its threads "
            + executor.dumpThreads()
            + executor.tail()
            + "\nthe planner"
            + services.process(LockstepService.PLANNER).tail());
  }

  /** The recorder's view of an upgrade now, or null while it does not know it. */
  public JsonNode upgrade(String upgradeId) {
    return new LocalHttp(token)
        .get(
            services
                .url(LockstepService.RECORDER)
                .resolve("/api/v1/upgrades/" + encode(upgradeId)));
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
      JsonNode json = getWhileRestarting(http, uri);
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

  /**
   * The answer of a GET, or null while the service cannot be reached: its process died and the
   * supervisor starts it again (the caller waits anyway, up to its own deadline). Without a
   * supervisor, that the service cannot be reached is the error.
   */
  private JsonNode getWhileRestarting(LocalHttp http, URI uri) {
    try {
      return http.get(uri);
    } catch (LocalHttp.Unreachable e) {
      if (!options.supervised()) {
        throw e;
      }
      if (unreachableSaid.add(uri.getAuthority())) {
        say(e.getMessage() + "; waiting for it");
      }
      return null;
    }
  }

  /** Prints how an upgrade ended: versions, the teams' feeds, where its post-mortem is. */
  public void printSummary(JsonNode upgrade) {
    ScenarioSummary.print(
        upgrade,
        new LocalHttp(token),
        services,
        bootstrapServers,
        sample.teams(),
        options.directory(),
        this::say);
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

  synchronized void say(String line) {
    out.println(line);
    out.flush();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static void sleep(Duration duration) {
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
    if (narration != null) {
      narration.close();
    }
    runs.values().forEach(ScenarioRun::close);
    // the reverse of the start: services first, Kafka and PostgreSQL last
    for (AutoCloseable closeable : reversed(owned)) {
      Instant begin = Instant.now();
      try {
        closeable.close();
      } catch (Exception e) {
        out.println("while stopping: " + e.getMessage());
      }
      Duration took = Duration.between(begin, Instant.now());
      if (took.compareTo(SLOW_STOP) > 0) {
        LOG.info("stopping {} took {} ms", closeable.getClass().getSimpleName(), took.toMillis());
      }
    }
    owned.clear();
  }
}
