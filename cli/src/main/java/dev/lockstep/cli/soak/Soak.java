package dev.lockstep.cli.soak;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.local.ServiceProcess;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.kafka.KafkaBrokerProcess;
import dev.lockstep.testkit.postgres.Postgres;
import dev.lockstep.testkit.postgres.RestartablePostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code lockstep soak}: the local mode on a Kafka broker and a PostgreSQL of its own (so that it
 * can restart them), M copies of the sample platform and N instances of each service, supervised;
 * one {@link PlatformDriver} per platform and a {@link FaultInjector} for the load's time; then no
 * more faults and no new upgrades, the upgrades under way followed to their end, and the invariants
 * checked ({@link SoakChecks}); the report written as Markdown and JSON.
 */
final class Soak {
  /**
   * How to run.
   *
   * @param checkout the built checkout
   * @param reportDirectory where the reports go; {@code work/} under it holds the broker's and the
   *     server's data and the services' logs, and is emptied first
   * @param platforms copies of the sample platform
   * @param replicas instances of each service
   * @param load how long upgrades are started and faults injected
   * @param seed the random seed
   * @param faults whether faults are injected
   * @param giveUpAfter how long the soak follows an upgrade, its rollbacks included, before it
   *     gives up on it (it then did not end); its deadline is derived from its plans ({@link
   *     Deadlines})
   * @param faultMin the shortest wait between two faults
   * @param faultMax the longest
   */
  record Settings(
      Path checkout,
      Path reportDirectory,
      int platforms,
      int replicas,
      Duration load,
      long seed,
      boolean faults,
      Duration giveUpAfter,
      Duration faultMin,
      Duration faultMax) {}

  /** The component that gets a new major version in every soak release. */
  static final String MAJOR_EVERY_RELEASE = "notebooks";

  private final Settings settings;
  private final PrintWriter out;
  private final List<AutoCloseable> open = new ArrayList<>();

  Soak(Settings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs the soak; returns the report, written to the report directory. */
  SoakReport run() {
    try {
      return runOpen();
    } finally {
      say("stopping ...");
      for (int i = open.size() - 1; i >= 0; i--) {
        Instant begin = Instant.now();
        try {
          open.get(i).close();
        } catch (Exception e) {
          say("while stopping: " + e.getMessage());
        }
        long took = Duration.between(begin, Instant.now()).toMillis();
        if (took > 2_000) {
          say("stopping " + open.get(i).getClass().getSimpleName() + " took " + took + " ms");
        }
      }
    }
  }

  private SoakReport runOpen() {
    Path work = settings.reportDirectory().resolve("work");
    deleteRecursively(work);
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    say("seed " + settings.seed() + "; work directory " + work.toAbsolutePath());
    KafkaBrokerProcess broker = KafkaBroker.startProcess(work.resolve("kafka"));
    open.add(broker);
    RestartablePostgres postgres = Postgres.startRestartable(work.resolve("postgres"));
    open.add(postgres);
    PrintWriter localOut;
    try {
      localOut = new PrintWriter(Files.newBufferedWriter(work.resolve("local-mode.out")), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    open.add(localOut::close);
    say(
        "starting the local mode: "
            + settings.platforms()
            + " platforms, "
            + settings.replicas()
            + " instances of each service ...");
    LocalMode local =
        LocalMode.start(
            new LocalMode.Options(
                settings.checkout(),
                work,
                "happy",
                SamplePlatform.PLATFORM_ID,
                false,
                new LocalMode.Infrastructure(broker.bootstrapServers(), postgres.connections()),
                null,
                true,
                settings.replicas(),
                settings.platforms()),
            localOut);
    open.add(local);
    local.awaitInventory();
    LocalServices services = local.services();
    List<String> platforms = local.platforms();
    EventTap tap = new EventTap(local.bootstrapServers(), Set.copyOf(platforms));
    open.add(tap);
    Garbage garbage = new Garbage(local.bootstrapServers());
    open.add(garbage);
    SoakHttp http = new SoakHttp(local.token());
    Supplier<List<URI>> planners = () -> urls(services, LockstepService.PLANNER);
    Supplier<List<URI>> recorders = () -> urls(services, LockstepService.RECORDER);
    AtomicBoolean stopping = new AtomicBoolean();
    PlatformDriver.Shared shared =
        new PlatformDriver.Shared(
            tap,
            http,
            planners,
            recorders,
            local.endpoints(),
            garbage,
            settings.giveUpAfter(),
            stopping::get,
            this::say);
    List<PlatformDriver> drivers = new ArrayList<>();
    Map<String, SoakReleases> releases = new LinkedHashMap<>();
    for (int i = 0; i < platforms.size(); i++) {
      PlatformDriver driver =
          PlatformDriver.of(local, platforms.get(i), shared, settings.seed() * 1_000_003L + i);
      releases.put(driver.platform(), driver.releases());
      drivers.add(driver);
    }
    FaultInjector injector = null;
    Instant startedAt = Instant.now();
    say("load for " + settings.load() + (settings.faults() ? ", with faults" : ", without faults"));
    List<Thread> threads = new ArrayList<>();
    for (PlatformDriver driver : drivers) {
      Thread thread = new Thread(driver, "soak-driver-" + driver.platform());
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    if (settings.faults()) {
      injector =
          new FaultInjector(
                  services,
                  broker,
                  postgres,
                  local.cluster(),
                  platforms,
                  new Random(settings.seed() ^ 0x5DEECE66DL),
                  settings.faultMin(),
                  settings.faultMax(),
                  this::say)
              .start();
    }
    sleep(settings.load());
    stopping.set(true);
    Instant loadEndedAt = Instant.now();
    List<Fault> faults = List.of();
    if (injector != null) {
      say("load over: no more faults; waiting for the fault under way to end");
      injector.close();
      faults = injector.faults();
    }
    say("waiting for the upgrades under way to end (at most " + settings.giveUpAfter() + ") ...");
    Instant joinBy = Instant.now().plus(settings.giveUpAfter()).plus(Duration.ofMinutes(1));
    List<String> stuck = new ArrayList<>();
    for (int i = 0; i < threads.size(); i++) {
      long left = Math.max(1, Duration.between(Instant.now(), joinBy).toMillis());
      try {
        threads.get(i).join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      if (threads.get(i).isAlive()) {
        stuck.add(drivers.get(i).platform());
      }
    }
    say("checking the invariants ...");
    if (!tap.catchUp(Duration.ofMinutes(2))) {
      say("the event tap did not catch up with the topics in 2 minutes");
    }
    List<UpgradeRun> runs = new ArrayList<>();
    drivers.forEach(d -> runs.addAll(d.runs()));
    runs.sort(Comparator.comparing(UpgradeRun::submittedAt));
    List<Fault> injected = faults;
    runs.replaceAll(run -> run.withDeadline(Deadlines.of(run, eventsOf(tap, run), injected)));
    SoakChecks checks =
        new SoakChecks(
            local, postgres, tap, http, recorders, releases, garbage, faults, runs, stuck);
    SoakChecks.Result result = checks.run();
    Instant endedAt = Instant.now();
    SoakReport report =
        Reports.build(
            settings, startedAt, loadEndedAt, endedAt, runs, result, faults, tap, garbage, http);
    write(report);
    return report;
  }

  /** The events of a run and of its rollbacks. */
  private static List<dev.lockstep.events.EventEnvelope> eventsOf(EventTap tap, UpgradeRun run) {
    List<dev.lockstep.events.EventEnvelope> events = new ArrayList<>();
    tap.events(run.upgradeId()).forEach(read -> events.add(read.event()));
    for (String rollback : run.rollbacks()) {
      tap.events(rollback).forEach(read -> events.add(read.event()));
    }
    return events;
  }

  private void write(SoakReport report) {
    Path dir = settings.reportDirectory();
    String markdown = ReportMarkdown.of(report);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("soak-report.md"), markdown);
      Json.newMapper()
          .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValue(dir.resolve("soak-report.json").toFile(), report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println();
    out.println(markdown);
    out.println(
        "reports: "
            + dir.resolve("soak-report.md").toAbsolutePath()
            + ", "
            + dir.resolve("soak-report.json").toAbsolutePath());
    out.flush();
  }

  /** The URLs of a service's instances now. */
  static List<URI> urls(LocalServices services, LockstepService service) {
    return services.processes(service).stream().map(ServiceProcess::url).toList();
  }

  private synchronized void say(String line) {
    out.println(
        DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(Instant.now())
            + "  "
            + line);
    out.flush();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty " + dir, e);
    }
  }

  /** The events of the tap, as envelopes. */
  static List<EventEnvelope> envelopes(EventTap tap) {
    return tap.events().stream().map(EventTap.Read::event).toList();
  }
}
