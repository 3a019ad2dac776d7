package dev.lockstep.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.Fixtures;
import dev.lockstep.cli.model.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * How {@code watch} follows an upgrade: until it ends, with its exit code, through the pauses an
 * upgrade normally has, and no longer than asked.
 */
class WatcherTest {
  private final TestingClock clock = new TestingClock();
  private final Deque<Supplier<Snapshot>> answers = new ArrayDeque<>();
  private final List<String> seen = new ArrayList<>();

  private Watcher watcher(Duration timeout) {
    return new Watcher(
        id -> {
          Supplier<Snapshot> next = answers.size() > 1 ? answers.poll() : answers.peek();
          return next.get();
        },
        clock,
        clock::advance,
        Watcher.Settings.of(Duration.ofSeconds(1), timeout));
  }

  private static Snapshot status(String status) {
    return status(status, "upgrade", List.of());
  }

  private static Snapshot status(String status, String mode, List<String> rollbacks) {
    ObjectNode json = Fixtures.json("upgrade-waiting-gate.json").deepCopy();
    json.put("status", status);
    json.put("mode", mode);
    ArrayNode list = json.putArray("rollbacks");
    rollbacks.forEach(list::add);
    return Snapshot.of(json);
  }

  private void answer(Snapshot snapshot) {
    answers.add(() -> snapshot);
  }

  private void answer(int code) {
    answers.add(
        () -> {
          throw new CliException(code, "answer " + code, null);
        });
  }

  private Snapshot follow(Duration timeout) {
    return watcher(timeout).follow("up-1", s -> seen.add(s.upgrade().status()));
  }

  @Test
  void itFollowsUntilATerminalStatusAndTheEndGivesTheExitCode() {
    answer(status("queued"));
    answer(status("running"));
    answer(status("waiting-gate"));
    answer(status("rolling-back", "upgrade", List.of("rb-1")));
    answer(status("rolled-back", "upgrade", List.of("rb-1")));

    Snapshot end = follow(null);

    assertThat(seen)
        .containsExactly("queued", "running", "waiting-gate", "rolling-back", "rolled-back");
    assertThat(Outcome.exitCode(end.upgrade())).isEqualTo(ExitCodes.UPGRADE_NOT_COMPLETED);
  }

  @Test
  void eachEndHasItsExitCode() {
    assertThat(Outcome.exitCode(status("completed").upgrade())).isEqualTo(0);
    assertThat(Outcome.exitCode(status("rolled-back").upgrade())).isEqualTo(1);
    assertThat(Outcome.exitCode(status("cancelled").upgrade())).isEqualTo(1);
    assertThat(Outcome.exitCode(status("rejected").upgrade())).isEqualTo(1);
    assertThat(Outcome.exitCode(status("failed").upgrade())).isEqualTo(1);
    assertThat(Outcome.exitCode(status("rollback-failed").upgrade())).isEqualTo(7);
    assertThat(Outcome.exitCode(status("completed", "rollback", List.of()).upgrade()))
        .as("a rollback that completed")
        .isEqualTo(0);
    assertThat(Outcome.exitCode(status("failed", "rollback", List.of()).upgrade()))
        .as("a rollback that failed")
        .isEqualTo(7);
  }

  @Test
  void aFailedUpgradeWaitsForItsAutomaticRollback() {
    answer(status("failed"));
    answer(status("failed"));
    answer(status("rolling-back", "upgrade", List.of("rb-1")));
    answer(status("rolled-back", "upgrade", List.of("rb-1")));

    Snapshot end = follow(null);

    assertThat(end.upgrade().status()).isEqualTo("rolled-back");
  }

  @Test
  void aFailedUpgradeThatNoRollbackFollowsEndsAfterAMinute() {
    answer(status("failed"));

    Snapshot end = follow(null);

    assertThat(end.upgrade().status()).isEqualTo("failed");
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(60));
    assertThat(Outcome.exitCode(end.upgrade())).isEqualTo(ExitCodes.UPGRADE_NOT_COMPLETED);
  }

  @Test
  void aFailedRollbackEndsAtOnce() {
    answer(status("failed", "rollback", List.of()));

    Snapshot end = follow(null);

    assertThat(clock.elapsed()).isZero();
    assertThat(Outcome.exitCode(end.upgrade())).isEqualTo(ExitCodes.ROLLBACK_FAILED);
  }

  @Test
  void aJustSubmittedUpgradeMayBeUnknownToTheRecorderForAWhile() {
    answer(ExitCodes.NOT_FOUND);
    answer(ExitCodes.NOT_FOUND);
    answer(status("running"));
    answer(ExitCodes.UNAVAILABLE);
    answer(status("completed"));

    Snapshot end = follow(null);

    assertThat(seen).containsExactly("running", "completed");
    assertThat(Outcome.exitCode(end.upgrade())).isEqualTo(ExitCodes.OK);
  }

  @Test
  void anUpgradeThatStaysUnknownIsNotFound() {
    answer(ExitCodes.NOT_FOUND);

    assertThatThrownBy(() -> follow(null))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_FOUND));
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aRecorderThatNeverAnsweredFailsAtOnce() {
    answer(ExitCodes.UNAVAILABLE);

    assertThatThrownBy(() -> follow(null))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE));
    assertThat(clock.elapsed()).isZero();
  }

  @Test
  void theTimeoutEndsTheWatchWithItsOwnCode() {
    answer(status("running"));

    assertThatThrownBy(() -> follow(Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            CliException.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(ExitCodes.TIMEOUT).isEqualTo(8);
              assertThat(e.getMessage()).isEqualTo("upgrade up-1 is still running after 5s");
            });
  }

  /** A clock that moves only when the watcher sleeps. */
  static final class TestingClock extends Clock {
    private final Instant start = Instant.parse("2026-11-22T10:00:00Z");
    private Instant now = start;

    void advance(Duration d) {
      now = now.plus(d);
    }

    Duration elapsed() {
      return Duration.between(start, now);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
