package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.local.ServiceProcess;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.ClusterOperation;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.kafka.KafkaBrokerProcess;
import dev.lockstep.testkit.postgres.Postgres;
import dev.lockstep.testkit.postgres.RestartablePostgres;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fault suite: the five services as processes (supervised, as pods are), a second executor, a
 * Kafka broker and a PostgreSQL server of their own that the suite stops and starts again, and the
 * sample platform upgraded, rolled back and upgraded again while every kind of fault strikes:
 *
 * <ol>
 *   <li>the upgrade, with the planner killed (-9) once it planned: the reference for the writes;
 *   <li>its rollback, with the validator, the notifier and the recorder killed, the broker stopped
 *       and started again on the same port and log directory, and PostgreSQL stopped and started;
 *   <li>the upgrade again, with the executor that owns the platform frozen (SIGSTOP) past its Lease
 *       and its Kafka session while the other finishes the wave, woken (SIGCONT), and then the
 *       executor that owns the platform killed (-9).
 * </ol>
 *
 * <p>After them: each ended as it would have without the faults; the upgrade with faults made
 * exactly the cluster writes of the one without (each change applied once in effect); every write
 * was made by the executor holding the platform's Lease at the time, so none came from the frozen
 * one after it lost it; each step succeeded once on the topics; the recorder holds exactly the
 * distinct events of the topics; nothing was dead-lettered; no request got a 5xx.
 */
class FaultSuiteIT {
  private static final Path CHECKOUT =
      SamplePlatform.find(Path.of(""))
          .orElseThrow(() -> new IllegalStateException("no docs/examples/sample-platform above"))
          .getParent()
          .getParent()
          .getParent();

  private static final Duration RUN = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final StringWriter output = new StringWriter();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Path directory;

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (RuntimeException e) {
        // the others still stop
      }
    }
    if (directory != null && Files.isDirectory(directory)) {
      Files.writeString(directory.resolve("local-mode.out"), output.toString());
    }
  }

  @Test
  void everyFaultDuringUpgradesEndsAsItWouldHaveWithoutIt() throws Exception {
    String platform = "dataos-faults-" + UUID.randomUUID().toString().substring(0, 8);
    directory = CHECKOUT.resolve("cli/target/e2e").resolve(platform);
    Files.createDirectories(directory);
    KafkaBrokerProcess broker = KafkaBroker.startProcess(directory.resolve("kafka"));
    open.add(broker);
    RestartablePostgres postgres = Postgres.startRestartable(directory.resolve("postgres"));
    open.add(postgres);
    LocalMode local =
        LocalMode.start(
            new LocalMode.Options(
                CHECKOUT,
                directory,
                "happy",
                platform,
                false,
                new LocalMode.Infrastructure(broker.bootstrapServers(), postgres.connections()),
                null,
                true),
            new PrintWriter(output, true));
    open.add(local);
    LocalServices services = local.services();
    ServiceProcess second =
        services.startReplica(
            LockstepService.EXECUTOR, "executor-b", Map.of("instance-id", "executor-b"));
    Watch watch = new Watch(local, platform);
    open.add(watch);
    local.awaitInventory();
    Map<String, String> released = versions(local, platform);

    // 1. The upgrade; the planner killed once it has planned.
    long before1 = lastOperation(local);
    String upgrade1 = local.submit();
    awaitOutput("plan      ", 1);
    services.process(LockstepService.PLANNER).kill();
    JsonNode ended1 = local.awaitEnd(upgrade1);
    assertThat(ended1.path("status").asText()).isEqualTo("completed");
    Map<String, Integer> writes1 = writesSince(local, before1);
    assertThat(writes1).isNotEmpty();

    // 2. Its rollback, through every other service's death and both stores' outages.
    String token = local.token();
    HttpResponse<String> asked =
        post(
            services.url(LockstepService.PLANNER).resolve("/api/v1/rollbacks"),
            token,
            "{\"upgradeId\":\"" + upgrade1 + "\",\"reason\":\"fault suite\"}");
    assertThat(asked.statusCode()).isEqualTo(202);
    awaitOutput("plan      rollback of", 1);
    services.process(LockstepService.VALIDATOR).kill();
    services.process(LockstepService.NOTIFIER).kill();
    broker.stop();
    Thread.sleep(2_000);
    broker.start();
    Instant storeStopped = Instant.now();
    postgres.stop();
    Thread.sleep(2_000);
    postgres.start();
    Instant storeBack = Instant.now();
    services.process(LockstepService.RECORDER).kill();
    // The rollback crosses a major version back: an approver lets it go on.
    awaitOutput("lockstep approve ", 1);
    java.util.regex.Matcher approval =
        java.util.regex.Pattern.compile("lockstep approve (\\S+) (\\S+)")
            .matcher(output.toString());
    assertThat(approval.find()).isTrue();
    HttpResponse<String> approved =
        post(
            services
                .url(LockstepService.PLANNER)
                .resolve(
                    "/api/v1/upgrades/"
                        + approval.group(1)
                        + "/steps/"
                        + approval.group(2)
                        + "/approve"),
            token,
            "{\"comment\":\"fault suite\"}");
    assertThat(approved.statusCode()).isEqualTo(202);
    awaitOutput("ROLLED BACK", 1);

    // 3. The upgrade again; the owning executor frozen past its Lease, then the owner killed.
    Eventually.until(
        "the planner sees the platform back at its first release",
        Duration.ofSeconds(90),
        () -> versions(local, platform).equals(released));
    long before3 = lastOperation(local);
    int wave1Steps = count(output.toString(), "step      wave 1");
    String upgrade3 = local.submit();
    awaitOutput("step      wave 1", wave1Steps + 1);
    String frozen = watch.holder();
    ServiceProcess frozenProcess =
        frozen.equals("executor-b") ? second : services.process(LockstepService.EXECUTOR);
    signal("STOP", frozenProcess.pid());
    Instant frozenAt = Instant.now();
    try {
      Eventually.until(
          "the other executor holds the platform's Lease",
          Duration.ofSeconds(60),
          () -> !frozen.equals(watch.holder()));
    } finally {
      signal("CONT", frozenProcess.pid());
    }
    Instant wokenAt = Instant.now();
    assertThat(Duration.between(frozenAt, wokenAt)).isGreaterThan(Duration.ofSeconds(8));
    String owner = watch.holder();
    ServiceProcess ownerProcess =
        owner.equals("executor-b") ? second : services.process(LockstepService.EXECUTOR);
    ownerProcess.kill();
    JsonNode ended3 = local.awaitEnd(upgrade3);
    assertThat(ended3.path("status").asText()).isEqualTo("completed");
    Map<String, Integer> writes3 = writesSince(local, before3);
    assertThat(writes3)
        .as("the upgrade through its faults made exactly the writes of the one without")
        .isEqualTo(writes1);

    // Every write by the holder of the Lease at the time; none by the frozen one once woken.
    List<ClusterOperation> executorWrites =
        local.cluster().operations().query().byCodeUnderTest().succeeded().list().stream()
            .filter(op -> op.actor().startsWith("executor/"))
            .toList();
    for (ClusterOperation write : executorWrites) {
      String actor = write.actor().substring("executor/".length());
      assertThat(watch.heldAround(actor, write.time()))
          .as("%s was made by the Lease's holder", write)
          .isTrue();
    }
    // (A request it sent just before it froze may reach the server just after: what counts is
    // from the moment the other took the Lease until the frozen one legitimately held it again.)
    Instant lost = watch.firstHeldByAnotherAfter(frozen, frozenAt);
    Instant heldAgain = watch.firstHeldAfter(frozen, lost);
    assertThat(lost).isBefore(wokenAt);
    assertThat(
            executorWrites.stream()
                .filter(op -> op.actor().equals("executor/" + frozen))
                .filter(op -> op.time().isAfter(lost) && op.time().isBefore(heldAgain))
                .toList())
        .as("no write by the frozen executor after it lost the Lease, until it held it again")
        .isEmpty();

    // The topics and the recorder.
    List<EventEnvelope> events = readTopics(local.bootstrapServers(), platform);
    Map<String, Long> succeeded =
        events.stream()
            .filter(e -> e.data() instanceof StepSucceeded)
            .collect(
                Collectors.groupingBy(
                    e -> e.subject() + "/" + ((StepSucceeded) e.data()).stepId(),
                    Collectors.counting()));
    assertThat(succeeded.values()).as("each step succeeded once").containsOnly(1L);
    String recorderDatabase =
        LocalServices.recorderDatabase("lockstep_" + platform.replaceAll("[^a-z0-9]", "_"));
    // Read the topics again on each try: the services may still publish (a last observation, a
    // notification) after the upgrade's end, and the recorder must hold exactly what they hold.
    Eventually.until(
        Duration.ofSeconds(60),
        Duration.ofMillis(500),
        () -> storedIds(postgres, recorderDatabase, platform).equals(eventIds(local, platform)),
        () ->
            "the recorder holds "
                + storedIds(postgres, recorderDatabase, platform).size()
                + " events of the platform, the topics "
                + eventIds(local, platform).size());
    assertThat(deadLetters(local.bootstrapServers(), platform))
        .as("nothing was dead-lettered")
        .isEmpty();
    // While PostgreSQL is stopped the recorder cannot read its store: it says so (503, with when to
    // ask again); no other 5xx, ever.
    for (ServerError error : watch.serverErrors()) {
      assertThat(error.status()).as("%s", error).isEqualTo(503);
      assertThat(error.body()).as("%s", error).contains("store-unavailable");
      assertThat(error.retryAfter()).as("%s", error).isNotNull();
      assertThat(error.time())
          .as("%s: a 503 only while the database was away", error)
          .isAfter(storeStopped)
          .isBefore(storeBack.plusSeconds(10));
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private void awaitOutput(String text, int times) {
    Eventually.until(
        RUN,
        Duration.ofMillis(100),
        () -> count(output.toString(), text) >= times,
        () -> "the local mode did not print \"" + text + "\" " + times + " times:\n" + output);
  }

  private static int count(String haystack, String needle) {
    int count = 0;
    for (int at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
      count++;
    }
    return count;
  }

  /** What the planner says runs on the platform: version by component. */
  private static Map<String, String> versions(LocalMode local, String platform) {
    Map<String, String> versions = new TreeMap<>();
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(
                      local
                          .services()
                          .url(LockstepService.PLANNER)
                          .resolve(
                              "/api/v1/platforms/"
                                  + URLEncoder.encode(platform, StandardCharsets.UTF_8)))
                  .header("Authorization", "Bearer " + local.token())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        for (JsonNode component : JSON.readTree(response.body()).path("inventory")) {
          versions.put(component.path("name").asText(), component.path("version").asText());
        }
      }
    } catch (IOException e) {
      // the planner is restarting: nothing known now
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return versions;
  }

  private static long lastOperation(LocalMode local) {
    List<ClusterOperation> all = local.cluster().operations().all();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).sequence();
  }

  /** The code under test's accepted writes after an operation, counted per request shape. */
  private static Map<String, Integer> writesSince(LocalMode local, long sequence) {
    Map<String, Integer> writes = new TreeMap<>();
    for (ClusterOperation op :
        local.cluster().operations().query().byCodeUnderTest().succeeded().list()) {
      if (op.sequence() > sequence) {
        String key =
            op.method()
                + " "
                + op.kind()
                + " "
                + op.namespace()
                + "/"
                + (op.method().equals("POST") ? "(new)" : op.name())
                + (op.subresource() == null ? "" : "/" + op.subresource());
        writes.merge(key, 1, Integer::sum);
      }
    }
    return writes;
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor()).isZero();
  }

  private static HttpResponse<String> post(URI uri, String token, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<EventEnvelope> readTopics(String bootstrap, String platform) {
    EventCodec codec = EventCodec.standard();
    List<EventEnvelope> events = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : readAll(bootstrap, Topics.ALL)) {
      if (platform.equals(record.key()) && !record.topic().equals(Topics.DEADLETTER)) {
        events.add(codec.fromRecord(record));
      }
    }
    return events;
  }

  private static Set<String> eventIds(LocalMode local, String platform) {
    return readTopics(local.bootstrapServers(), platform).stream()
        .map(EventEnvelope::id)
        .collect(Collectors.toSet());
  }

  private static List<String> deadLetters(String bootstrap, String platform) {
    List<String> dead = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : readAll(bootstrap, List.of(Topics.DEADLETTER))) {
      if (platform.equals(record.key())) {
        dead.add(new String(record.value(), StandardCharsets.UTF_8));
      }
    }
    return dead;
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(
      String bootstrap, List<String> topics) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
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
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static Set<String> storedIds(
      RestartablePostgres postgres, String database, String platform) {
    Set<String> ids = new HashSet<>();
    try (Connection connection =
            DriverManager.getConnection(
                postgres.jdbcUrl(database),
                postgres.username(),
                postgres.connections().password());
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT event_id FROM events WHERE platform = '" + platform + "'")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot read the recorder's events", e);
    }
    return ids;
  }

  /** A 5xx answer seen by the watch. */
  private record ServerError(Instant time, URI uri, int status, String body, String retryAfter) {}

  /**
   * Watches from the outside while the suite runs: the holder of the platform's Lease (sampled
   * every 100 ms, so a write can be checked against it), and every answer of the planner's and the
   * recorder's read APIs (a 5xx is kept).
   */
  private static final class Watch implements AutoCloseable {
    private final LocalMode local;
    private final String leaseName;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<ServerError> serverErrors = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private record Sample(Instant time, String holder) {}

    Watch(LocalMode local, String platform) {
      this.local = local;
      this.leaseName = "lockstep-executor-" + platform;
      this.thread = new Thread(() -> run(platform), "fault-suite-watch");
      thread.setDaemon(true);
      thread.start();
    }

    private void run(String platform) {
      URI planner =
          local
              .services()
              .url(LockstepService.PLANNER)
              .resolve("/api/v1/platforms/" + URLEncoder.encode(platform, StandardCharsets.UTF_8));
      URI recorder = local.services().url(LockstepService.RECORDER).resolve("/api/v1/upgrades");
      long round = 0;
      while (running.get()) {
        Instant now = Instant.now();
        try {
          Lease lease =
              local.cluster().client().leases().inNamespace("lockstep").withName(leaseName).get();
          String holder = lease == null ? null : lease.getSpec().getHolderIdentity();
          samples.add(new Sample(now, holder == null ? "" : holder));
        } catch (RuntimeException e) {
          // the simulated cluster is always there; a failed read is just a missed sample
        }
        if (round++ % 5 == 0) {
          probe(planner);
          probe(recorder);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void probe(URI uri) {
      try {
        HttpResponse<String> response =
            HTTP.send(
                HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + local.token())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 500) {
          serverErrors.add(
              new ServerError(
                  Instant.now(),
                  uri,
                  response.statusCode(),
                  response.body(),
                  response.headers().firstValue("Retry-After").orElse(null)));
        }
      } catch (IOException e) {
        // the service is down (killed, restarting): no answer is not a 5xx
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The Lease's holder now. */
    String holder() {
      Eventually.until("the Lease has a holder", Duration.ofSeconds(30), () -> !latest().isEmpty());
      return latest();
    }

    private String latest() {
      return samples.isEmpty() ? "" : samples.get(samples.size() - 1).holder();
    }

    /** Whether the identity held the Lease at the sample just before or just after the time. */
    boolean heldAround(String identity, Instant time) {
      Sample before = null;
      Sample after = null;
      for (Sample sample : samples) {
        if (!sample.time().isAfter(time)) {
          before = sample;
        } else {
          after = sample;
          break;
        }
      }
      return (before != null && before.holder().equals(identity))
          || (after != null && after.holder().equals(identity));
    }

    /** When someone other than the identity first held the Lease after the time. */
    Instant firstHeldByAnotherAfter(String identity, Instant time) {
      return samples.stream()
          .filter(sample -> sample.time().isAfter(time))
          .filter(sample -> !sample.holder().isEmpty() && !sample.holder().equals(identity))
          .map(Sample::time)
          .findFirst()
          .orElseThrow(() -> new AssertionError("nobody took the Lease from " + identity));
    }

    /** When the identity first held the Lease after the time, or far in the future if never. */
    Instant firstHeldAfter(String identity, Instant time) {
      return samples.stream()
          .filter(sample -> sample.time().isAfter(time) && sample.holder().equals(identity))
          .map(Sample::time)
          .findFirst()
          .orElse(Instant.MAX);
    }

    List<ServerError> serverErrors() {
      return List.copyOf(serverErrors);
    }

    @Override
    public void close() {
      running.set(false);
      thread.interrupt();
    }
  }
}
