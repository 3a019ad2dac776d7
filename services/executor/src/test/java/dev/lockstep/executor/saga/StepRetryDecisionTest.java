package dev.lockstep.executor.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A failed step with retries left is retried (a {@code step.retried} in place of its failure, then
 * the step runs again with its first before-states); the attempts are counted from the events, so a
 * saga rebuilt after a crash counts the same; once they are used up, or once something else has
 * failed the upgrade, the failure stands.
 */
class StepRetryDecisionTest {
  private static final String UPGRADE = "u-r";
  private static final String PLATFORM = "p";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T22:00:00Z"), ZoneOffset.UTC);
  private static final WorkloadRef METIS = new WorkloadRef("Deployment", "core", "metis", null);

  private final List<EventEnvelope> log = new ArrayList<>();

  private static PlanStep step(int retries) {
    PlanStep s = TestingPlans.setImage("s-0-1", "metis", METIS, "metis:2", "1", "2");
    return TestingPlans.withRetries(s, retries);
  }

  private void add(EventPayload payload) {
    log.add(
        EventEnvelope.create(
            EventCatalog.standard(), "test", PLATFORM, UPGRADE, payload, null, CLOCK));
  }

  private void begin(int retries) {
    Plan plan =
        TestingPlans.plan(
            UPGRADE,
            PLATFORM,
            PlanMode.UPGRADE,
            null,
            List.of(
                new Wave(
                    0, "core-kernel", List.of(step(retries)), List.of(TestingPlans.gate("h")))));
    add(new PlanCreated(plan, "bot", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 1, 1));
  }

  private static StepFailed failure(String reason) {
    return new StepFailed(UPGRADE, "s-0-1", 0, "metis", StepAction.SET_IMAGE, reason, List.of());
  }

  private void started(int attempt) {
    add(new StepStarted(UPGRADE, "s-0-1", 0, "metis", StepAction.SET_IMAGE, attempt));
  }

  @Test
  void aFailureWithRetriesLeftIsRetriedAndTheCountComesFromTheEvents() {
    begin(2);
    started(1);

    StepRetried first = UpgradeSaga.fold(UPGRADE, log).retryOf(failure("rollout stuck")).get();
    assertThat(first.attempt()).isEqualTo(2);
    assertThat(first.attempts()).isEqualTo(3);
    assertThat(first.reason()).isEqualTo("rollout stuck");
    assertThat(first.platform()).isEqualTo(PLATFORM);
    add(first);

    // rebuilt from the log, as after a crash: the step runs again as its second try
    UpgradeSaga rebuilt = UpgradeSaga.fold(UPGRADE, log);
    Decision.RunStep again = (Decision.RunStep) rebuilt.next().get(0);
    assertThat(again.step().id()).isEqualTo("s-0-1");
    assertThat(again.retry()).isEqualTo(1);
    assertThat(again.attempt()).isEqualTo(2);

    started(2);
    StepRetried second = UpgradeSaga.fold(UPGRADE, log).retryOf(failure("rollout stuck")).get();
    assertThat(second.attempt()).isEqualTo(3);
    add(second);
    started(3);

    assertThat(UpgradeSaga.fold(UPGRADE, log).retryOf(failure("rollout stuck"))).isEmpty();
  }

  @Test
  void aStepWithoutRetriesOrAnUpgradeAlreadyFailingIsNotRetried() {
    begin(0);
    started(1);
    assertThat(UpgradeSaga.fold(UPGRADE, log).retryOf(failure("no"))).isEmpty();

    log.clear();
    begin(3);
    started(1);
    add(new GateFailed(UPGRADE, "w0-h", "h", "http", "errors", List.of()));
    assertThat(UpgradeSaga.fold(UPGRADE, log).retryOf(failure("no"))).isEmpty();
  }
}
