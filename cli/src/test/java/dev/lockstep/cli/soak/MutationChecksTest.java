package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.ClusterOperation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * "Applied once in effect": a step's write made twice, or a write no step accounts for, is found;
 * the writes of steps done once are not.
 */
class MutationChecksTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  private static final String WORKLOAD = "Deployment/apps-01/workbench";

  @Test
  void aStepThatWritesItsObjectTwiceIsFound() {
    MutationChecks.StepWindow step = window("s-3-1", T0, T0.plusSeconds(5));
    List<Violation> once =
        MutationChecks.check(
            List.of(step), List.of(write(1, T0.plusSeconds(1), "workbench")), namespaces());
    assertThat(once).isEmpty();
    List<Violation> twice =
        MutationChecks.check(
            List.of(step),
            List.of(
                write(1, T0.plusSeconds(1), "workbench"), write(2, T0.plusSeconds(3), "workbench")),
            namespaces());
    assertThat(twice)
        .singleElement()
        .extracting(Violation::message)
        .asString()
        .contains("s-3-1", "PUT Deployment apps-01/workbench twice");
  }

  @Test
  void aWriteNoStepUnderWayNamesIsFound() {
    MutationChecks.StepWindow step = window("s-3-1", T0, T0.plusSeconds(5));
    List<Violation> violations =
        MutationChecks.check(
            List.of(step),
            List.of(
                write(1, T0.plusSeconds(30), "workbench"),
                write(2, T0.plusSeconds(1), "notebooks")),
            namespaces());
    assertThat(violations)
        .hasSize(2)
        .allMatch(v -> v.message().startsWith("a write no step under way accounts for"));
  }

  @Test
  void aWriteJustAfterAStepBelongsToTheNearestStepNotToTheNextOne() {
    // the drain's write, then the restore-replicas step starting a moment later: one write each
    MutationChecks.StepWindow drain = window("s-1-1", T0, T0.plusSeconds(1));
    MutationChecks.StepWindow restore = window("s-1-3", T0.plusMillis(1_500), T0.plusSeconds(3));
    List<Violation> violations =
        MutationChecks.check(
            List.of(drain, restore),
            List.of(
                write(1, T0.plusMillis(500), "workbench"),
                write(2, T0.plusMillis(2_000), "workbench")),
            namespaces());
    assertThat(violations).isEmpty();
  }

  @Test
  void windowsRunFromTheFirstIntentToTheLastResult() {
    EventEnvelope started =
        event(
            new StepStarted("up-1", "s-0-1", 0, "postgres", StepAction.SET_IMAGE, 1, List.of()),
            T0);
    EventEnvelope again =
        event(
            new StepStarted("up-1", "s-0-1", 0, "postgres", StepAction.SET_IMAGE, 2, List.of()),
            T0.plusSeconds(9));
    EventEnvelope done =
        event(
            new StepSucceeded(
                "up-1", "s-0-1", 0, "postgres", StepAction.SET_IMAGE, "1", "2", List.of(), null),
            T0.plusSeconds(10));
    PlanStep step =
        new PlanStep(
            "s-0-1",
            "postgres",
            StepAction.SET_IMAGE,
            "1",
            "2",
            new WorkloadRef("StatefulSet", "storage-01", "postgres", "postgres"),
            "registry.example.com/postgres:2",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    Plan plan =
        new Plan(
            "up-1",
            "dataos-local-01",
            PlanMode.UPGRADE,
            null,
            "2.0.0",
            List.of(),
            List.of(new Wave(0, "cloud-kernel", List.of(step), List.of())),
            new Risk(0, List.of()),
            Duration.ZERO,
            null,
            null,
            null);
    EventEnvelope planned = event(new PlanCreated(plan, "soak", null), T0.minusSeconds(1));
    List<MutationChecks.StepWindow> windows =
        MutationChecks.windows(List.of(planned, started, again, done), T0.plusSeconds(60));
    assertThat(windows)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.from()).isEqualTo(T0);
              assertThat(w.to()).isEqualTo(T0.plusSeconds(10));
              assertThat(w.objects()).containsExactly("StatefulSet/storage-01/postgres");
            });
    // without the plan the step names nothing: no window
    assertThat(MutationChecks.windows(List.of(started, again, done), T0.plusSeconds(60))).isEmpty();
  }

  private static Map<String, String> namespaces() {
    return Map.of("apps-01", "dataos-local-01");
  }

  private static MutationChecks.StepWindow window(String stepId, Instant from, Instant to) {
    return new MutationChecks.StepWindow(
        "dataos-local-01",
        "up-1",
        stepId,
        StepAction.SET_IMAGE,
        from,
        to,
        Set.of(WORKLOAD),
        Set.of());
  }

  private static ClusterOperation write(long sequence, Instant at, String name) {
    return new ClusterOperation(
        sequence,
        at,
        "PUT",
        "/apis/apps/v1/namespaces/apps-01/deployments/" + name,
        "apps",
        "v1",
        "deployments",
        "Deployment",
        "apps-01",
        name,
        null,
        "executor/local-executor",
        200);
  }

  private static EventEnvelope event(EventPayload payload, Instant at) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        "dataos-local-01",
        null,
        payload,
        null,
        Clock.fixed(at, ZoneOffset.UTC));
  }
}
