package dev.lockstep.bench;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.soak.HopLatencies;
import dev.lockstep.cli.soak.UpgradeLoad;
import dev.lockstep.cli.soak.UpgradeRun;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * How long each hop of an upgrade and its rollback takes, next to the raw Kafka hop of the same run
 * on the same broker ({@link RawKafkaHop}). The system runs as {@code lockstep local} runs it
 * ({@link LocalMode}: the five services as processes, one instance each, the simulated cluster with
 * copies of the sample platform, an in-JVM broker with three partitions a topic, an embedded
 * PostgreSQL). Every second upgrade fails its gate in wave 3 and is rolled back ({@link
 * UpgradeLoad}). Two series, each on a local mode of its own on the same broker:
 *
 * <ul>
 *   <li><b>one at a time</b>: {@code upgrades} upgrades one after the other, the first {@code
 *       platforms} platforms in turn;
 *   <li><b>all at once</b>: one upgrade on each of {@code concurrent} platforms, submitted
 *       together.
 * </ul>
 *
 * For each series: the raw hop with the services idle just before it (500 pings, one at a time) and
 * during it (a ping every 100 ms); each processing hop's count, p50, p99 and max, and its p50 and
 * p99 over the raw hop's ({@link HopLatencies}, from the producers' event times; the first rollback
 * cluster write from the simulated cluster's operation log); then the deliberate waits apart (a
 * step's run, rollouts included, and a gate's interval between measurements). Last, each hop's p99
 * all at once over one at a time. Not a test: it asserts nothing.
 *
 * <p>Arguments: {@code upgrades} (default 200; 0 skips the series), {@code platforms} (20), {@code
 * concurrent} (default {@value LocalMode.Options#MAX_PLATFORMS}, the most copies the local mode
 * takes, as issue #17 asks; 0 skips the series), the built checkout (the working directory). {@link
 * SimulatedApiServerCost} measures the simulated API server alone with as many platforms.
 */
public final class OrchestrationLatencyBenchmark {
  private static final int IDLE_PINGS = 500;
  private static final Duration IDLE_PAUSE = Duration.ofMillis(10);
  private static final Duration LOADED_EVERY = Duration.ofMillis(100);
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  /** One series' figures. */
  private record Series(
      String name,
      Raw idle,
      Raw loaded,
      List<HopLatencies.Hop> hops,
      List<HopLatencies.Hop> waits) {}

  /** The raw hop's figures, in microseconds. */
  private record Raw(int count, long p50Micros, long p99Micros, long maxMicros) {
    static Raw of(List<Long> micros) {
      List<Long> sorted = micros.stream().sorted().toList();
      return new Raw(
          sorted.size(),
          HopLatencies.percentile(sorted, 50),
          HopLatencies.percentile(sorted, 99),
          sorted.get(sorted.size() - 1));
    }

    @Override
    public String toString() {
      return String.format(
          "%d pings: p50 %s ms, p99 %s ms, max %s ms",
          count, millis(p50Micros), millis(p99Micros), millis(maxMicros));
    }
  }

  private OrchestrationLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int upgrades = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int platforms = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int concurrent = args.length > 2 ? Integer.parseInt(args[2]) : LocalMode.Options.MAX_PLATFORMS;
    Path checkout = Path.of(args.length > 3 ? args[3] : ".").toAbsolutePath().normalize();
    for (LockstepService service : LockstepService.values()) {
      service.classpath(checkout); // fails early, naming what to build
    }
    Path work = Files.createTempDirectory("lockstep-latency-bench");
    say(
        String.format(
            "%d upgrades one at a time on %d platforms, then %d at once on as many; %d cores;"
                + " services from %s; logs in %s",
            upgrades,
            platforms,
            concurrent,
            Runtime.getRuntime().availableProcessors(),
            checkout,
            work));
    List<Series> series = new ArrayList<>();
    try (KafkaBroker kafka = KafkaBroker.start();
        Postgres postgres = Postgres.start()) {
      kafka.createTopics(Topics.ALL, KafkaBroker.SHARED_TOPIC_PARTITIONS);
      kafka.createTopics(List.of(RawKafkaHop.TOPIC), KafkaBroker.SHARED_TOPIC_PARTITIONS);
      LocalMode.Infrastructure shared = new LocalMode.Infrastructure(kafka, postgres);
      try (RawKafkaHop raw = new RawKafkaHop(kafka.bootstrapServers())) {
        say("raw hop: a step.succeeded of " + raw.recordBytes() + " bytes (value, key, headers)");
        if (upgrades > 0) {
          series.add(
              run(
                  "one at a time: " + upgrades + " upgrades on " + platforms + " platforms",
                  checkout,
                  work.resolve("one-at-a-time"),
                  "dataos-single",
                  platforms,
                  shared,
                  raw,
                  load -> load.oneAtATime(upgrades, platforms)));
        }
        if (concurrent > 0) {
          series.add(
              run(
                  "all at once: " + concurrent + " upgrades on " + concurrent + " platforms",
                  checkout,
                  work.resolve("all-at-once"),
                  "dataos-many",
                  concurrent,
                  shared,
                  raw,
                  load -> load.allAtOnce(concurrent)));
        }
      }
    }
    if (series.size() == 2) {
      printComparison(series.get(0), series.get(1));
    }
  }

  private static Series run(
      String name,
      Path checkout,
      Path directory,
      String platform,
      int platforms,
      LocalMode.Infrastructure shared,
      RawKafkaHop raw,
      java.util.function.Function<UpgradeLoad, List<UpgradeRun>> drive)
      throws Exception {
    say(name + ": starting the local mode with " + platforms + " platforms ...");
    Instant starting = Instant.now();
    try (PrintWriter out = writer(directory.resolve("local-mode.out"));
        PrintWriter log = writer(directory.resolve("load.log"));
        LocalMode local =
            LocalMode.start(
                new LocalMode.Options(
                    checkout, directory, "happy", platform, false, shared, null, true, 1,
                    platforms),
                out)) {
      local.awaitInventory();
      awaitSettled(shared.bootstrapServers(), Duration.ofMinutes(2));
      say(name + ": up in " + seconds(starting) + " s; the raw hop with the services idle ...");
      Raw idle = Raw.of(raw.measure(IDLE_PINGS, IDLE_PAUSE));
      say(name + ": raw hop idle, " + idle);
      try (UpgradeLoad load = new UpgradeLoad(local, line -> stamped(log, line))) {
        Instant begin = Instant.now();
        raw.startBackground(LOADED_EVERY);
        List<UpgradeRun> runs = drive.apply(load);
        Raw loaded = Raw.of(raw.stop());
        say(name + ": done in " + seconds(begin) + " s; " + outcomes(runs));
        List<EventEnvelope> events = load.events();
        Map<String, List<String>> namespaces = new LinkedHashMap<>();
        local.platforms().forEach(p -> namespaces.put(p, local.sample(p).namespaces()));
        List<HopLatencies.Hop> hops = new ArrayList<>(HopLatencies.of(events));
        hops.addAll(
            HopLatencies.rollbackWrites(events, local.cluster().operations().all(), namespaces));
        Series figures = new Series(name, idle, loaded, hops, HopLatencies.waits(events));
        print(figures);
        return figures;
      }
    }
  }

  /**
   * Waits (bounded) until every consumer group has committed up to the end of each partition it has
   * committed on: the services have handled what the start published (the inventories), so the
   * first upgrade is planned against them.
   */
  private static void awaitSettled(String bootstrapServers, Duration timeout) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (GroupListing group :
            admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()) {
          admin
              .listConsumerGroupOffsets(group.groupId())
              .partitionsToOffsetAndMetadata()
              .get()
              .forEach(
                  (partition, offset) -> committed.merge(partition, offset.offset(), Math::min));
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
            admin.listOffsets(latest).all().get();
        if (committed.entrySet().stream()
            .allMatch(e -> e.getValue() >= ends.get(e.getKey()).offset())) {
          return;
        }
        Thread.sleep(500);
      }
      say("the services had not handled every event after " + timeout + "; going on");
    }
  }

  /** The upgrades by kind and how they ended, and how long they took (median, longest). */
  private static String outcomes(List<UpgradeRun> runs) {
    Map<String, Long> byEnd =
        runs.stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.kind() + " " + (r.end() == null ? "did-not-end" : r.end()),
                    TreeMap::new,
                    Collectors.counting()));
    List<Long> took =
        runs.stream().filter(r -> r.took() != null).map(r -> r.took().toMillis()).sorted().toList();
    return byEnd
        + (took.isEmpty()
            ? ""
            : String.format(
                "; submission to end: median %.1f s, longest %.1f s",
                took.get(took.size() / 2) / 1000.0, took.get(took.size() - 1) / 1000.0));
  }

  private static void print(Series s) {
    System.out.println();
    System.out.println("== " + s.name());
    System.out.println("raw Kafka hop, services idle: " + s.idle());
    System.out.println("raw Kafka hop, during the series: " + s.loaded());
    System.out.println();
    String format = "%-58s %6s %7s %7s %7s %8s %8s%n";
    System.out.printf(
        format, "hop (processing)", "count", "p50 ms", "p99 ms", "max ms", "p50/raw", "p99/raw");
    for (HopLatencies.Hop hop : s.hops()) {
      System.out.printf(
          format,
          hop.hop(),
          hop.count(),
          hop.p50Millis(),
          hop.p99Millis(),
          hop.maxMillis(),
          ratio(hop.p50Millis() * 1000, s.idle().p50Micros()),
          ratio(hop.p99Millis() * 1000, s.idle().p99Micros()));
    }
    System.out.println();
    System.out.printf(format, "deliberate wait", "count", "p50 ms", "p99 ms", "max ms", "", "");
    for (HopLatencies.Hop wait : s.waits()) {
      System.out.printf(
          format,
          wait.hop(),
          wait.count(),
          wait.p50Millis(),
          wait.p99Millis(),
          wait.maxMillis(),
          "",
          "");
    }
  }

  private static void printComparison(Series one, Series all) {
    System.out.println();
    System.out.println("== p99 all at once over p99 one at a time");
    System.out.printf("%-58s %7s %7s %8s%n", "hop (processing)", "one ms", "all ms", "ratio");
    Map<String, HopLatencies.Hop> single = new LinkedHashMap<>();
    one.hops().forEach(h -> single.put(h.hop(), h));
    for (HopLatencies.Hop hop : all.hops()) {
      HopLatencies.Hop before = single.get(hop.hop());
      if (before != null) {
        System.out.printf(
            "%-58s %7d %7d %8s%n",
            hop.hop(),
            before.p99Millis(),
            hop.p99Millis(),
            ratio(hop.p99Millis(), before.p99Millis()));
      }
    }
  }

  private static String ratio(long value, long reference) {
    return reference <= 0 ? "-" : String.format("%.1f", (double) value / reference);
  }

  private static String millis(long micros) {
    return String.format("%.1f", micros / 1000.0);
  }

  private static String seconds(Instant since) {
    return String.format("%.1f", Duration.between(since, Instant.now()).toMillis() / 1000.0);
  }

  private static PrintWriter writer(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return new PrintWriter(Files.newBufferedWriter(file), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stamped(PrintWriter out, String line) {
    synchronized (out) {
      out.println(CLOCK.format(Instant.now()) + "  " + line);
    }
  }

  private static void say(String line) {
    System.out.println(CLOCK.format(Instant.now()) + "  " + line);
  }
}
