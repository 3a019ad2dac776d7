package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's pure checks find what they are meant to find, and only that. */
class SoakChecksTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  @Test
  void anUpgradeThatDidNotEndOrEndedLateOrBadlyIsAViolation() {
    UpgradeRun fine = run("up-1", "rolled-back", T0.plusSeconds(30), "rolled-back");
    UpgradeRun open = run("up-2", null, null, "running");
    UpgradeRun late = run("up-3", "completed", T0.plusSeconds(400), "completed");
    UpgradeRun failed = run("up-4", "rollback-failed", T0.plusSeconds(60), "rollback-failed");
    UpgradeRun recorderBehind = run("up-5", "completed", T0.plusSeconds(60), "running");
    List<Violation> violations = RunChecks.ends(List.of(fine, open, late, failed, recorderBehind));
    assertThat(violations)
        .extracting(Violation::upgradeId)
        .containsExactlyInAnyOrder("up-2", "up-3", "up-4", "up-5");
  }

  @Test
  void deadLettersMustBeTheGarbageAndAllOfIt() {
    List<Garbage.Sent> garbage =
        List.of(new Garbage.Sent("p1", 0, 10, T0), new Garbage.Sent("p2", 1, 11, T0));
    List<EventTap.DeadLetter> letters =
        List.of(
            new EventTap.DeadLetter("p1", "lockstep.requests", 0, 10, "malformed-envelope"),
            new EventTap.DeadLetter("p1", "lockstep.requests", 0, 10, "malformed-envelope"),
            new EventTap.DeadLetter("p3", "lockstep.execution", 2, 5, "handler-refused"));
    List<Violation> violations = RunChecks.deadLetters(letters, garbage, List.of());
    assertThat(violations)
        .extracting(Violation::message)
        .anyMatch(m -> m.contains("lockstep.execution/2@5") && m.contains("not injected garbage"))
        .anyMatch(m -> m.contains("lockstep.requests/1@11 was never dead-lettered"))
        .hasSize(2);
    assertThat(RunChecks.deadLetters(letters.subList(0, 1), garbage.subList(0, 1), List.of()))
        .isEmpty();
  }

  @Test
  void onlyAStoreUnavailableDuringAPostgresRestartIsExcused() {
    Fault restart = new Fault("postgres-restart", "postgresql", T0, T0.plusSeconds(5), "stopped");
    SoakHttp.ServerError during =
        error(T0.plusSeconds(3), 503, "{\"errors\":[{\"code\":\"store-unavailable\"}]}", "1");
    SoakHttp.ServerError after =
        error(T0.plusSeconds(60), 503, "{\"errors\":[{\"code\":\"store-unavailable\"}]}", "1");
    SoakHttp.ServerError crash = error(T0.plusSeconds(3), 500, "boom", null);
    assertThat(RunChecks.serverErrors(List.of(during, after, crash), List.of(restart)))
        .extracting(Violation::message)
        .hasSize(2)
        .anyMatch(m -> m.contains("answered 500"))
        .anyMatch(m -> m.contains(T0.plusSeconds(60).toString()));
  }

  @Test
  void percentilesAreNearestRank() {
    List<Duration> durations =
        java.util.stream.LongStream.rangeClosed(1, 200).mapToObj(Duration::ofMillis).toList();
    HopLatencies.Hop hop = HopLatencies.hop("h", durations);
    assertThat(hop.count()).isEqualTo(200);
    assertThat(hop.p50Millis()).isEqualTo(100);
    assertThat(hop.p99Millis()).isEqualTo(198);
    assertThat(hop.maxMillis()).isEqualTo(200);
  }

  private static UpgradeRun run(String id, String end, Instant endedAt, String status) {
    return new UpgradeRun(
        "p1",
        UpgradeKind.CLEAN,
        id,
        "2.0.0",
        T0,
        T0.plusSeconds(300),
        end,
        endedAt,
        status,
        List.of(),
        List.of());
  }

  private static SoakHttp.ServerError error(
      Instant at, int status, String body, String retryAfter) {
    return new SoakHttp.ServerError(
        at, "GET", URI.create("http://127.0.0.1:1/x"), status, body, retryAfter);
  }
}
