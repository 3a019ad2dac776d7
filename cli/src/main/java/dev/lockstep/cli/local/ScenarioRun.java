package dev.lockstep.cli.local;

import dev.lockstep.cli.LockstepCommand;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.manifest.Component;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One platform's run of a {@link Scenario} in the local mode: what the scenario may do to the
 * platform (its faults and hooks in the simulated cluster, the sample's data, commands run as the
 * local operator runs them), and the events of the scenario's upgrade handed to {@link
 * Scenario#during} in log order, on a thread of its own so that the narration never waits.
 */
public final class ScenarioRun implements AutoCloseable {
  private final Scenario scenario;
  private final String platform;
  private final SamplePlatform sample;
  private final LocalMode local;
  private final ExecutorService reactions;
  private final Set<String> done = ConcurrentHashMap.newKeySet();

  /** Events that arrived before the upgrade's id was known; guarded by this. */
  private final List<EventEnvelope> early = new ArrayList<>();

  private String upgradeId;
  private SampleData data;

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
    Component metis = component("metis");
    String image = metis.migration().image();
    String namespace = metis.workload().namespace();
    local
        .cluster()
        .kubelet()
        .onJob(
            job ->
                namespace.equals(job.getMetadata().getNamespace())
                    && job.getSpec().getTemplate().getSpec().getContainers().stream()
                        .anyMatch(c -> image.equals(c.getImage())),
            job -> data.loseRows());
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
