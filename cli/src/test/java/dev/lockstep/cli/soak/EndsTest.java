package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When an upgrade has ended by its events and its rollbacks', and how. */
class EndsTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  @Test
  void aCompletedUpgradeWithoutRollbackHasCompleted() {
    Ends.Standing s =
        Ends.of(List.of(event(new UpgradeCompleted("up-1", "p", List.of()), T0)), Map.of(), T0);
    assertThat(s.end()).isEqualTo("completed");
    assertThat(s.completed()).isTrue();
  }

  @Test
  void aFailedUpgradeEndsWithItsRollback() {
    List<EventEnvelope> own = List.of(event(failed(false, 1), T0));
    assertThat(Ends.of(own, Map.of(), T0.plusSeconds(10)).ended()).isFalse();
    Map<String, List<EventEnvelope>> open = new LinkedHashMap<>();
    open.put("rb-1", List.of());
    assertThat(Ends.of(own, open, T0.plusSeconds(120)).ended()).isFalse();
    Map<String, List<EventEnvelope>> done =
        Map.of(
            "rb-1",
            List.of(
                event(new RollbackCompleted("rb-1", "up-1", "p", List.of()), T0.plusSeconds(9))));
    assertThat(Ends.of(own, done, T0.plusSeconds(10)).end()).isEqualTo("rolled-back");
    Map<String, List<EventEnvelope>> broken =
        Map.of(
            "rb-1",
            List.of(
                event(new RollbackFailed("rb-1", "up-1", "p", "no", "s-0-1"), T0.plusSeconds(9))));
    assertThat(Ends.of(own, broken, T0.plusSeconds(10)).end()).isEqualTo("rollback-failed");
  }

  @Test
  void aFailedUpgradeThatNoRollbackFollowsEndsFailedAfterAMinute() {
    List<EventEnvelope> own = List.of(event(failed(false, 1), T0));
    assertThat(Ends.of(own, Map.of(), T0.plus(Ends.NO_ROLLBACK).plusSeconds(1)).end())
        .isEqualTo("failed");
  }

  @Test
  void aCancelBeforeAnyChangeEndsCancelled() {
    assertThat(
            Ends.of(
                    List.of(event(new UpgradeCancelled("up-1", "p", "me", null, false), T0)),
                    Map.of(),
                    T0)
                .end())
        .isEqualTo("cancelled");
    assertThat(Ends.of(List.of(event(failed(true, 0), T0)), Map.of(), T0).end())
        .isEqualTo("cancelled");
    assertThat(Ends.of(List.of(event(failed(true, 1), T0)), Map.of(), T0).ended()).isFalse();
  }

  private static UpgradeFailed failed(boolean cancelled, int changes) {
    List<StepOutcome> history =
        changes == 0
            ? List.of()
            : List.of(
                new StepOutcome(
                    "s-0-1", "postgres", StepAction.SET_IMAGE, "1", "2", List.of(), null));
    return new UpgradeFailed("up-1", "p", "why", null, null, cancelled, history);
  }

  private static EventEnvelope event(EventPayload payload, Instant at) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        "p",
        null,
        payload,
        null,
        Clock.fixed(at, ZoneOffset.UTC));
  }
}
