package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hop from a step's result to its component's next step, within one wave. */
class HopLatenciesTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  @Test
  void aComponentsNextStepFollowsItsLastResult() {
    List<EventEnvelope> events =
        List.of(
            event(new StepStarted("up-1", "s-1-1", 1, "poros", StepAction.DRAIN, 1, List.of()), T0),
            event(succeeded("s-1-1", "poros", StepAction.DRAIN), T0.plusMillis(1_000)),
            // another component's step in the same wave is no successor of poros's drain
            event(
                new StepStarted("up-1", "s-1-4", 1, "heimdall", StepAction.SET_IMAGE, 1, List.of()),
                T0.plusMillis(1_050)),
            event(
                new StepStarted("up-1", "s-1-2", 1, "poros", StepAction.SET_IMAGE, 1, List.of()),
                T0.plusMillis(1_300)),
            // a second attempt is no new step
            event(
                new StepStarted("up-1", "s-1-2", 1, "poros", StepAction.SET_IMAGE, 2, List.of()),
                T0.plusMillis(9_000)));
    assertThat(HopLatencies.of(events))
        .filteredOn(h -> h.hop().equals(HopLatencies.STEP_TO_NEXT))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.count()).isEqualTo(1);
              assertThat(h.p50Millis()).isEqualTo(300);
            });
  }

  private static StepSucceeded succeeded(String step, String component, StepAction action) {
    return new StepSucceeded("up-1", step, 1, component, action, "1", "2", List.of(), null);
  }

  private static EventEnvelope event(EventPayload payload, Instant at) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        "p",
        "up-1",
        payload,
        null,
        Clock.fixed(at, ZoneOffset.UTC));
  }
}
