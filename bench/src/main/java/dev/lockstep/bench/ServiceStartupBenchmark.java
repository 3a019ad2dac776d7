package dev.lockstep.bench;

import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.events.Topics;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each service takes to start, as the local mode starts it: a JVM process of its own from
 * its build output ({@link LocalServices}, {@code ServiceProcess}: the same flags, configuration
 * file and class path), against a real Kafka broker, a real PostgreSQL and the simulated cluster
 * seeded with the sample platform. Topics are empty: the figures are for a service that starts
 * idle.
 *
 * <p>Two figures per service, each the median (and range) of the runs:
 *
 * <ul>
 *   <li><b>alone</b>: the service is stopped (SIGTERM) and started again while the other four run
 *       idle; wall time from launching the process to its first {@code 200} on {@code
 *       /health/readiness} (polled every 100 ms), and Micronaut's own "Startup completed in" figure
 *       from its log (the context and the HTTP server, without the JVM's start and the main class);
 *   <li><b>together</b>: the five are started at once, as {@code lockstep local} does; the wall
 *       time until all five are ready, and each one's "Startup completed in".
 * </ul>
 *
 * A service without its class data sharing archive (the first start after a build) has it written
 * from its running JVM once it is ready (see {@code ServiceProcess.ClassArchive}). Not a test: it
 * asserts nothing. Arguments: the number of runs (default 5) and the built checkout (default the
 * working directory); {@code -Dlockstep.local.class-data-sharing=false} starts the services without
 * archives.
 */
public final class ServiceStartupBenchmark {
  private static final Pattern STARTUP_COMPLETED = Pattern.compile("Startup completed in (\\d+)ms");
  private static final String HEAP = "256m";

  private ServiceStartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path checkout = Path.of(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
    for (LockstepService service : LockstepService.values()) {
      service.classpath(checkout); // fails early, naming what to build
    }
    Path work = Files.createTempDirectory("lockstep-startup-bench");
    SamplePlatform sample = SamplePlatform.load(checkout.resolve(SamplePlatform.DIRECTORY));
    System.out.printf(
        "%d runs on %d cores; services from %s; logs in %s%n",
        runs, Runtime.getRuntime().availableProcessors(), checkout, work);

    try (KafkaBroker kafka = KafkaBroker.start();
        Postgres postgres = Postgres.start();
        SimulatedCluster cluster = new SimulatedCluster().start();
        SimulatedOperator operator = new SimulatedOperator(cluster).start()) {
      kafka.createTopics(Topics.ALL, KafkaBroker.SHARED_TOPIC_PARTITIONS);
      sample.seed(cluster);
      sample.awaitRunning(cluster, Duration.ofSeconds(30));

      Map<LockstepService, List<Long>> aloneReady = samples();
      Map<LockstepService, List<Long>> aloneCompleted = samples();
      Map<LockstepService, List<Long>> togetherCompleted = samples();
      List<Long> togetherReady = new ArrayList<>();

      for (int run = 0; run < runs; run++) {
        long start = System.nanoTime();
        try (LocalServices services =
            LocalServices.start(settings(checkout, work, kafka, postgres, cluster, sample, run))) {
          togetherReady.add(millisSince(start));
          for (LockstepService service : LockstepService.values()) {
            startupCompleted(services.process(service).log())
                .ifPresent(ms -> togetherCompleted.get(service).add(ms));
          }
          System.out.printf(
              "run %d: all five ready in %d ms together%n", run + 1, togetherReady.get(run));
          StringBuilder stops = new StringBuilder();
          for (LockstepService service : LockstepService.values()) {
            long stopping = System.nanoTime();
            services.process(service).close();
            stops.append(String.format(" %s %d ms;", service.id(), millisSince(stopping)));
            long launched = System.nanoTime();
            services.restart(service);
            aloneReady.get(service).add(millisSince(launched));
            startupCompleted(services.process(service).log())
                .ifPresent(ms -> aloneCompleted.get(service).add(ms));
          }
          System.out.printf("run %d: stopped (SIGTERM to exit):%s%n", run + 1, stops);
        }
      }

      System.out.println();
      System.out.printf(
          "%-13s %-26s %-26s %-26s%n",
          "service", "alone: ready (ms)", "alone: Micronaut (ms)", "together: Micronaut (ms)");
      for (LockstepService service : LockstepService.values()) {
        System.out.printf(
            "%-13s %-26s %-26s %-26s%n",
            service.id(),
            Stats.summary(aloneReady.get(service)),
            Stats.summary(aloneCompleted.get(service)),
            Stats.summary(togetherCompleted.get(service)));
      }
      System.out.printf("all five together, ready: %s ms%n", Stats.summary(togetherReady));
      System.out.println(
          "(median [min-max]; ready = launch to the first 200 on /health/readiness)");
    }
  }

  private static LocalServices.Settings settings(
      Path checkout,
      Path work,
      KafkaBroker kafka,
      Postgres postgres,
      SimulatedCluster cluster,
      SamplePlatform sample,
      int run) {
    return new LocalServices.Settings(
        checkout,
        work.resolve("run-" + (run + 1)),
        kafka.bootstrapServers(),
        postgres,
        "startup_bench_" + (run + 1),
        cluster.kubernetesUrl(),
        sample.platformId(),
        sample.namespaces(),
        sample.customResourceKinds(),
        sample.chartsDirectory(),
        sample.subscriptions(),
        false,
        HEAP);
  }

  private static Map<LockstepService, List<Long>> samples() {
    Map<LockstepService, List<Long>> samples = new EnumMap<>(LockstepService.class);
    for (LockstepService service : LockstepService.values()) {
      samples.put(service, new ArrayList<>());
    }
    return samples;
  }

  /** Micronaut's figure from the last start recorded in a log (a restart appends to it). */
  private static OptionalLong startupCompleted(Path log) {
    try {
      OptionalLong last = OptionalLong.empty();
      for (String line : Files.readAllLines(log)) {
        Matcher m = STARTUP_COMPLETED.matcher(line);
        if (m.find()) {
          last = OptionalLong.of(Long.parseLong(m.group(1)));
        }
      }
      return last;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
