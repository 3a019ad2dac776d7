package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code lockstep local} brings back a service that dies, as Kubernetes restarts a crashed pod: the
 * local mode as the command starts it (supervised), the sample's happy upgrade, the planner killed
 * with SIGKILL from outside as the release is submitted, and the executor, the notifier and the
 * rca-recorder while the upgrade runs and the local mode waits for its end.
 */
class KilledServicesComeBackIT {
  private static final Path CHECKOUT =
      SamplePlatform.find(Path.of(""))
          .orElseThrow(() -> new IllegalStateException("no docs/examples/sample-platform above"))
          .getParent()
          .getParent()
          .getParent();

  /**
   * How long a killed service may take to answer its readiness probe again before the test calls it
   * lost: that it comes back is asserted, not how fast (tests assert no timings; the restart time
   * is measured by bench's {@code ServiceStartupBenchmark}, and the narration prints it). On the
   * two-core CI machine a JVM started again beside four others, the broker and PostgreSQL, without
   * its class archive, took 6 to 23 s (archives are now written while a service runs, so a restart
   * after a kill -9 has one).
   */
  private static final Duration BACK_WITHIN = Duration.ofSeconds(60);

  /** How long the upgrade may take to end after the last kill (generous: a loaded machine). */
  private static final Duration SCENARIO_END = Duration.ofMinutes(5);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

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
  void servicesKilledMidUpgradeComeBackAndTheUpgradeCompletes() throws Exception {
    String platform = "dataos-crash-" + UUID.randomUUID().toString().substring(0, 8);
    directory = CHECKOUT.resolve("cli/target/e2e").resolve(platform);
    Files.createDirectories(directory);
    List<Long> pids = new ArrayList<>();
    try (LocalMode local =
        LocalMode.start(
            new LocalMode.Options(
                CHECKOUT,
                directory,
                "happy",
                platform,
                false,
                new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
                null,
                true),
            new PrintWriter(output, true))) {
      assertThat(output.toString()).contains("a service that exits is started again");
      local.awaitInventory();

      // The planner dies just before the release is submitted: the local mode sends the request
      // again until the planner is back, and it makes one upgrade.
      ServiceProcess planner = local.services().process(LockstepService.PLANNER);
      pids.add(planner.pid());
      Instant plannerKilled = Instant.now();
      assertThat(ProcessHandle.of(planner.pid()).orElseThrow().destroyForcibly()).isTrue();
      ProcessHandle.of(planner.pid()).ifPresent(p -> p.onExit().join());
      String upgradeId = local.submit();
      pids.add(awaitBack(local.services(), LockstepService.PLANNER, planner, plannerKilled).pid());
      assertThat(output.toString())
          .contains("/api/v1/upgrades cannot be reached")
          .contains("sending the request again until it answers");
      // the local mode waits for the end as `lockstep local --scenario` does, through the kills
      // below, the recorder's among them
      CompletableFuture<JsonNode> end =
          CompletableFuture.supplyAsync(() -> local.awaitEnd(upgradeId));
      Eventually.until(
          "the upgrade runs its second wave",
          Duration.ofSeconds(60),
          () -> output.toString().contains("step      wave 1"));

      for (LockstepService service :
          List.of(LockstepService.EXECUTOR, LockstepService.NOTIFIER, LockstepService.RECORDER)) {
        ServiceProcess killed = local.services().process(service);
        pids.add(killed.pid());
        Instant kill = Instant.now();
        assertThat(ProcessHandle.of(killed.pid()).orElseThrow().destroyForcibly()).isTrue();

        ServiceProcess back = awaitBack(local.services(), service, killed, kill);
        pids.add(back.pid());
        assertThat(back.url()).isEqualTo(killed.url());
        assertThat(Files.readString(directory.resolve("services/" + service.id() + ".pid")))
            .as("the pid file follows the new process")
            .isEqualTo(Long.toString(back.pid()));
        Eventually.until(
            "the narration tells the exit and the restart of the " + service.id(),
            Duration.ofSeconds(5),
            () ->
                output
                        .toString()
                        .contains(
                            "  service   "
                                + service.id()
                                + " exited (code 137); restarting it (restart 1)")
                    && output
                        .toString()
                        .contains(
                            "  service   "
                                + service.id()
                                + " is back (pid "
                                + back.pid()
                                + ", ready in "));
        assertThat(Files.readString(back.log()))
            .as("the service's log says where the new process begins")
            .contains(service.id() + " exited (code 137); restarting it (restart 1)");
        // the next kill only once the upgrade goes on: one crash at a time, as in the fault
        // suite, so that a restart is measured on its own and not beside the last one's catch-up
        long steps = stepLines(output);
        Eventually.until(
            "the upgrade goes on after the " + service.id() + " came back",
            Duration.ofSeconds(60),
            () -> stepLines(output) > steps || output.toString().contains("COMPLETED "));
      }

      JsonNode upgrade = end.get(SCENARIO_END.toSeconds(), TimeUnit.SECONDS);
      assertThat(upgrade.path("status").asText()).as(upgrade.toString()).isEqualTo("completed");
      JsonNode ofPlatform =
          new LocalHttp(local.token())
              .get(
                  local
                      .services()
                      .url(LockstepService.RECORDER)
                      .resolve("/api/v1/upgrades?platform=" + platform));
      assertThat(ofPlatform)
          .as("the request sent twice made one upgrade")
          .singleElement()
          .satisfies(u -> assertThat(u.path("upgradeId").asText()).isEqualTo(upgradeId));
      assertThat(upgrade.path("versions"))
          .hasSize(local.sample().componentCount())
          .allSatisfy(v -> assertThat(v.path("state").asText()).isEqualTo("upgraded"));
      // the notifier came back to the offsets it had committed: the team still hears the end
      LocalHttp http = new LocalHttp(local.token());
      URI feed = local.services().url(LockstepService.NOTIFIER).resolve("/api/v1/feeds/platform");
      Eventually.until(
          "the platform team's feed tells the completion",
          Duration.ofSeconds(30),
          () -> http.get(feed).path("entries").toString().contains("Upgrade completed"));
    }
    assertThat(pids)
        .as("closing stopped every process, the restarted ones too")
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertThat(output.toString().lines().filter(l -> l.contains("  service   ")))
        .as("the four kills, and no restart as the local mode stopped")
        .filteredOn(l -> l.contains(" exited ("))
        .hasSize(4);
  }

  private static long stepLines(StringWriter output) {
    return output.toString().lines().filter(l -> l.contains("  step      ")).count();
  }

  /**
   * Waits until a new process of the service answers its readiness probe; fails when that takes
   * longer than {@link #BACK_WITHIN} from the kill.
   */
  private static ServiceProcess awaitBack(
      LocalServices services, LockstepService service, ServiceProcess killed, Instant kill) {
    ServiceProcess back =
        Eventually.value(
            () -> services.process(service),
            p -> p.pid() != killed.pid() && ready(p.url()),
            BACK_WITHIN.minus(Duration.between(kill, Instant.now())),
            Duration.ofMillis(100),
            p ->
                "the "
                    + service.id()
                    + " does not answer its readiness probe within "
                    + BACK_WITHIN
                    + " of its kill; its log: "
                    + p.log());
    assertThat(Duration.between(kill, Instant.now())).isLessThan(BACK_WITHIN);
    return back;
  }

  private static boolean ready(URI service) {
    try {
      HttpRequest probe =
          HttpRequest.newBuilder(service.resolve("/health/readiness"))
              .timeout(Duration.ofSeconds(1))
              .build();
      return HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
