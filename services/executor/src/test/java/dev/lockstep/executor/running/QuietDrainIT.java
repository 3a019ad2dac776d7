package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A drain that waits for quiet reads the listed components' logs through the Kubernetes log API: it
 * ends only once a component that flushes after its clients are drained has been silent for the
 * quiet period, and fails at its deadline, naming the component, when one never falls silent. One
 * cluster and executor serve both upgrades, one after the other (the failing one last).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuietDrainIT {
  private static final String NS = "apps";
  private final String platform = "quiet-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private SimulatedCluster cluster;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeAll
  void start() {
    fixture = TestingExecutorFixture.forPlatform(platform).namespaces(NS).start();
    cluster = fixture.cluster();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
    fixture.startExecutor();
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  @Test
  @Order(1)
  void theDrainEndsOnlyOnceTheComponentThatFlushesAfterItsClientsHasBeenQuietForThePeriod() {
    TestingWorkloads.deployment(setup, NS, "rok", "registry.example.com/rok:1.4.0", 1);
    TestingWorkloads.statefulSet(
        setup, NS, "rok-clients", "registry.example.com/clients:1.0.0", 2, null);
    awaitRunning("rok");
    // Rok flushes for 1.5 s after its clients are drained, a line every 100 ms
    cluster
        .logs()
        .busyAfterScaledToZero(
            NS, "rok", Duration.ofMillis(100), Duration.ofMillis(1500), NS, "rok-clients");
    QuietWait quiet = quiet("rok", "1s", "30s");
    String upgradeId = "up-" + UUID.randomUUID();
    List<ObjectRef> clients = List.of(ObjectRef.of("StatefulSet", NS, "rok-clients"));

    fixture.publishPlan(
        plan(
            upgradeId,
            TestingPlans.quietDrain("s-0-1", "rok", clients, quiet),
            TestingPlans.restoreReplicas("s-0-2", "rok", clients)),
        "release-bot",
        "quiet drain");
    lockstep.await(upgradeId, UpgradeCompleted.class);

    Instant drained =
        timeOf(upgradeId, e -> e instanceof StepSucceeded s && s.stepId().equals("s-0-1"));
    List<Instant> rokLines = rokLogTimes();
    Instant lastLine = rokLines.get(rokLines.size() - 1);
    assertThat(rokLines).as("rok flushed for 1.5 s, a line every 100 ms").hasSizeGreaterThan(10);
    assertThat(drained)
        .as("the drain ended at least the quiet period after rok's last line")
        .isAfter(lastLine.plusSeconds(1));
    assertThat(Duration.between(lastLine, drained))
        .as("and not much later")
        .isLessThan(Duration.ofSeconds(4));
    assertThat(setup.apps().statefulSets().inNamespace(NS).withName("rok-clients").get())
        .extracting(s -> s.getSpec().getReplicas())
        .as("the clients are back after the drain")
        .isEqualTo(2);
  }

  @Test
  @Order(2)
  void aComponentThatNeverFallsSilentFailsTheDrainAtItsDeadlineNamingIt() {
    TestingWorkloads.deployment(setup, NS, "chatty", "registry.example.com/chatty:1.0.0", 1);
    cluster.logs().busy(NS, "chatty", Duration.ofMillis(200), ChronoUnit.FOREVER.getDuration());
    awaitRunning("chatty");
    String upgradeId = "up-" + UUID.randomUUID();

    fixture.publishPlan(
        plan(
            upgradeId,
            TestingPlans.quietDrain("s-0-1", "chatty", List.of(), quiet("chatty", "1s", "3s"))),
        "release-bot",
        "quiet drain that times out");
    UpgradeFailed failed = lockstep.await(upgradeId, UpgradeFailed.class);

    StepFailed stepFailed = lockstep.await(upgradeId, StepFailed.class);
    assertThat(stepFailed.stepId()).isEqualTo("s-0-1");
    assertThat(stepFailed.reason())
        .startsWith("component chatty was still writing logs 3s after the drain")
        .contains("1s of quiet", "chatty busy: line");
    assertThat(failed.reason()).contains("component chatty was still writing logs");
    Instant started = timeOf(upgradeId, e -> e instanceof StepStarted);
    Instant ended = timeOf(upgradeId, e -> e instanceof StepFailed);
    assertThat(Duration.between(started, ended))
        .isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
  }

  private Plan plan(String upgradeId, PlanStep... steps) {
    return TestingPlans.plan(
        upgradeId,
        platform,
        PlanMode.UPGRADE,
        null,
        List.of(new Wave(0, "user", List.of(steps), List.of())));
  }

  private static QuietWait quiet(String component, String period, String deadline) {
    return new QuietWait(
        List.of(
            new QuietWait.Source(component, new WorkloadRef("Deployment", NS, component, null))),
        period,
        deadline);
  }

  /** When the executor published the first event of the upgrade that matches. */
  private Instant timeOf(String upgradeId, Predicate<EventPayload> match) {
    return lockstep.events().stream()
        .filter(e -> upgradeId.equals(e.subject()) && match.test(e.data()))
        .map(EventEnvelope::time)
        .findFirst()
        .orElseThrow();
  }

  /** Waits until the workload's pod runs, so that it can write. */
  private void awaitRunning(String app) {
    Eventually.until(
        app + " runs",
        Duration.ofSeconds(10),
        () ->
            setup.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .anyMatch(
                    p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())));
  }

  /** The times of every line rok's pod wrote, read through the log API as the executor reads it. */
  private List<Instant> rokLogTimes() {
    Pod pod = setup.pods().inNamespace(NS).withLabel("app", "rok").list().getItems().get(0);
    return setup
        .pods()
        .inNamespace(NS)
        .withName(pod.getMetadata().getName())
        .usingTimestamps()
        .getLog()
        .lines()
        .filter(line -> line.contains(" busy: "))
        .map(line -> Instant.parse(line.substring(0, line.indexOf(' '))))
        .sorted(Comparator.naturalOrder())
        .toList();
  }
}
