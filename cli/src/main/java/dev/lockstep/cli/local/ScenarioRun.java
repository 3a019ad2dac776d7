package dev.lockstep.cli.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lockstep.cli.LockstepCommand;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.manifest.Component;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One platform's run of a {@link Scenario} in the local mode: what the scenario may do to the
 * platform (its faults and hooks in the simulated cluster, the sample's data, commands run as the
 * local operator runs them), and the events of the scenario's upgrade handed to {@link
 * Scenario#during} in log order, on a thread of its own so that the narration never waits.
 */
public final class ScenarioRun implements AutoCloseable {
  /** How long after its submission the window of {@code window-closes} closes. */
  static final Duration REQUEST_WINDOW = Duration.ofSeconds(20);

  /**
   * How long after the scenario is put in place the platform's recurring window of {@code
   * window-closes} opens: after the request's window has closed on a machine as fast as a laptop,
   * so that the upgrade waits for it (on a slower one it is open already and the upgrade carries on
   * at once).
   */
  static final Duration NEXT_WINDOW = Duration.ofSeconds(45);

  private static final DateTimeFormatter WALL_CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Scenario scenario;
  private final String platform;
  private final SamplePlatform sample;
  private final LocalMode local;
  private final ExecutorService reactions;
  private final Set<String> done = ConcurrentHashMap.newKeySet();

  /** Events that arrived before the upgrade's id was known; guarded by this. */
  private final List<EventEnvelope> early = new ArrayList<>();

  /** The payload types of the upgrade's events, in log order (for {@link Scenario#mustSee}). */
  private final List<Class<? extends EventPayload>> seenTypes =
      Collections.synchronizedList(new ArrayList<>());

  private String upgradeId;
  private SampleData data;

  /** The platform's recurring maintenance windows for the planner ({@code windows}). */
  private List<String> recurringWindows = List.of();

  /** How long the submitted request's window stays open, or null: submitted without a window. */
  private Duration requestWindow;

  /** When the submitted request's window closes (null before the submission, or without one). */
  private volatile Instant windowClosesAt;

  /** Whether the upgrade published what {@link Scenario#mustSee} names; set once it ended. */
  private volatile boolean sawWhatItMust = true;

  ScenarioRun(Scenario scenario, String platform, SamplePlatform sample, LocalMode local) {
    this.scenario = scenario;
    this.platform = platform;
    this.sample = sample;
    this.local = local;
    this.reactions =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "lockstep-scenario-" + platform);
              thread.setDaemon(true);
              return thread;
            });
  }

  /** The scenario. */
  public Scenario scenario() {
    return scenario;
  }

  /** The platform's copy of the sample, with the scenario's release. */
  public SamplePlatform sample() {
    return sample;
  }

  /** The platform. */
  public String platform() {
    return platform;
  }

  /** The data of the sample's postgres, or null when the scenario has none. */
  public SampleData data() {
    return data;
  }

  /** The datasources the validator needs for this platform's release. */
  List<LocalServices.Datasource> datasources() {
    return data == null
        ? List.of()
        : List.of(
            new LocalServices.Datasource(
                sample.datasource(), data.jdbcUrl(), local.postgres().username(), password()));
  }

  /** The platform's recurring maintenance windows, as the planner's configuration lists them. */
  List<String> recurringWindows() {
    return recurringWindows;
  }

  private String password() {
    return local.postgres().password() == null ? "" : local.postgres().password();
  }

  /** The simulated cluster (its kubelet's faults and Job work, say). */
  dev.lockstep.testkit.cluster.SimulatedCluster cluster() {
    return local.cluster();
  }

  // --- what scenarios do ---

  /** The new workbench image answers its health check with 503 on this platform. */
  void failGate() {
    sample.failGate(local.endpoints(), true);
  }

  /**
   * The sample's postgres holds {@link SampleData} (its volume's contents for the snapshot
   * controller), and metis's migration Job deletes some of its rows when it runs.
   */
  void loseRowsInMigration() {
    // named after the platform: tests run local modes one after the other on one server
    data =
        SampleData.create(
            local.postgres(), "lockstep_" + platform.replaceAll("[^a-z0-9]", "_") + "_data");
    Component postgres = component("postgres");
    local
        .snapshots()
        .volumeData(postgres.workload().namespace(), SamplePlatform.POSTGRES_CLAIM, data);
    local.cluster().kubelet().onJob(migrationOf("metis"), job -> data.loseRows());
  }

  /** The migration Jobs of a component of the release: its namespace, its migration image. */
  private Predicate<Job> migrationOf(String name) {
    Component component = component(name);
    String image = component.migration().image();
    String namespace = component.workload().namespace();
    return job ->
        namespace.equals(job.getMetadata().getNamespace())
            && job.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> image.equals(c.getImage()));
  }

  /**
   * The upgrade is submitted with a window that closes {@link #REQUEST_WINDOW} after; metis's
   * migration (wave 2) lasts until it has closed, so that the executor holds the upgrade before
   * wave 3; the platform's recurring window, into which the planner reschedules it, opens {@link
   * #NEXT_WINDOW} after now and lasts an hour.
   */
  void closeWindowDuringWave2() {
    requestWindow = REQUEST_WINDOW;
    recurringWindows = List.of(dailyWindow(Instant.now().plus(NEXT_WINDOW), Duration.ofHours(1)));
    local.cluster().kubelet().onJob(migrationOf("metis"), job -> awaitWindowClosed());
  }

  /**
   * A recurring window that opens every day at {@code opens} (to the second, UTC) and lasts {@code
   * length}, such as {@code daily 21:14:05-22:14:05 UTC}.
   */
  static String dailyWindow(Instant opens, Duration length) {
    Instant start = opens.truncatedTo(ChronoUnit.SECONDS);
    return "daily "
        + WALL_CLOCK.format(start)
        + "-"
        + WALL_CLOCK.format(start.plus(length))
        + " UTC";
  }

  /** Holds the migration's Job until the request's window has closed (at most two minutes). */
  private void awaitWindowClosed() {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      Instant closes = windowClosesAt;
      if (closes != null && Instant.now().isAfter(closes.plusMillis(500))) {
        return;
      }
      LocalMode.sleep(Duration.ofMillis(100));
    }
  }

  /** The simulated kubelet fails the first rollout of the component's new image. */
  void failFirstRollout(String name) {
    local.cluster().kubelet().failFirstRollouts(component(name).image(), 1);
  }

  /**
   * The JSON request that submits the release as the upgrade of the given id (drawn by the local
   * mode, so that sending it again after the planner died cannot make a second upgrade); with the
   * scenario's window, which closes {@link #REQUEST_WINDOW} from now, narrating when it closes and
   * the platform's recurring window.
   */
  String request(String releaseYaml, String upgradeId) {
    ObjectNode body = JSON.createObjectNode();
    body.put("platform", platform);
    body.put("upgradeId", upgradeId);
    try {
      body.set("release", YAML.readTree(releaseYaml));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the release is not YAML: " + e.getMessage(), e);
    }
    if (requestWindow != null) {
      Instant closes = Instant.now().plus(requestWindow).truncatedTo(ChronoUnit.SECONDS);
      body.putObject("window").put("notAfter", closes.toString());
      windowClosesAt = closes;
      local.say(
          EventNarrator.line(
              Instant.now(),
              "scenario  the request's window closes at "
                  + WALL_CLOCK.format(closes)
                  + " UTC; the recurring window of "
                  + platform
                  + ": "
                  + String.join(", ", recurringWindows)));
    }
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs a {@code lockstep} command in this process as the local operator would (its token, the
   * services' URLs) and narrates it with its answer.
   */
  void cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> environment =
        local.cliEnvironment(local.directory().resolve("no-config.json"));
    int code =
        new picocli.CommandLine(new LockstepCommand(environment))
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    String answer = (out.toString() + err.toString()).strip().replace('\n', ' ');
    local.say(
        EventNarrator.line(
            Instant.now(),
            "scenario  ./lockstep "
                + String.join(" ", quoted(args))
                + ": "
                + answer
                + (code == 0 ? "" : " (exit code " + code + ")")));
  }

  /** Runs {@code action} the first time it is asked for under {@code key}. */
  void once(String key, Runnable action) {
    if (done.add(key)) {
      action.run();
    }
  }

  private Component component(String name) {
    return sample
        .releaseManifest()
        .component(name)
        .orElseThrow(() -> new IllegalStateException("the sample release has no " + name));
  }

  private static List<String> quoted(String... args) {
    return java.util.Arrays.stream(args).map(a -> a.contains(" ") ? "\"" + a + "\"" : a).toList();
  }

  // --- events ---

  /** The scenario's upgrade was submitted: its events so far, and all later ones, go to it. */
  synchronized void started(String upgradeId) {
    this.upgradeId = upgradeId;
    early.forEach(this::dispatch);
    early.clear();
  }

  /** An event of this run's platform, in log order. */
  synchronized void seen(EventEnvelope event) {
    if (upgradeId == null) {
      early.add(event);
    } else {
      dispatch(event);
    }
  }

  private void dispatch(EventEnvelope event) {
    if (upgradeId.equals(event.subject())) {
      seenTypes.add(event.data().getClass());
      reactions.execute(
          () -> {
            try {
              scenario.during(this, event);
            } catch (RuntimeException e) {
              local.say("scenario  " + scenario + " on " + platform() + " failed: " + e);
            }
          });
    }
  }

  /**
   * Once the upgrade has ended: whether it published the events of {@link Scenario#mustSee} in
   * their order, waiting a few seconds for the narration to catch up; says what is missing.
   */
  void checkEvents() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
    List<String> missing = missingEvents();
    while (!missing.isEmpty() && Instant.now().isBefore(deadline)) {
      LocalMode.sleep(Duration.ofMillis(100));
      missing = missingEvents();
    }
    sawWhatItMust = missing.isEmpty();
    if (!sawWhatItMust) {
      local.say(
          "scenario  "
              + scenario
              + " on "
              + platform
              + ": the upgrade ended without "
              + String.join(", ", missing));
    }
  }

  /**
   * Whether the upgrade published what its scenario must see (true before {@link #checkEvents}).
   */
  boolean sawWhatItMust() {
    return sawWhatItMust;
  }

  /**
   * The types ({@code upgrade.rescheduled}) of the events of {@link Scenario#mustSee} not seen in
   * their order so far: from the first one missing on.
   */
  List<String> missingEvents() {
    List<Class<? extends EventPayload>> wanted = scenario.mustSee();
    int next = 0;
    synchronized (seenTypes) {
      for (Class<? extends EventPayload> type : seenTypes) {
        if (next < wanted.size() && wanted.get(next).equals(type)) {
          next++;
        }
      }
    }
    return wanted.subList(next, wanted.size()).stream()
        .map(type -> EventCatalog.standard().typeOf(type).shortName())
        .toList();
  }

  /** Stops reacting. */
  @Override
  public void close() {
    reactions.shutdownNow();
    try {
      reactions.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
