package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlannerAndValidator;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.cluster.ClusterOperation;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A three-layer plan over the real broker and the simulated cluster: wave after wave, each wave's
 * gates requested after its steps and the next wave only after they passed; the backup before the
 * stateful change, the migration Job before the workload changes, the drained replicas restored,
 * and every touched object annotated.
 */
class WaveByWaveUpgradeIT {
  private final String platform = "wave-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private SimulatedCluster cluster;
  private KubernetesClient setup;
  private TestingPlannerAndValidator lockstep;

  @BeforeEach
  void start() {
    fixture =
        TestingExecutorFixture.forPlatform(platform)
            .namespaces("data", "core", "apps")
            .verdictDelay(Duration.ofMillis(300))
            .snapshotController()
            .start();
    cluster = fixture.cluster();
    setup = fixture.setup();
    lockstep = fixture.lockstep();
    fixture.startExecutor();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aThreeLayerPlanRunsWaveByWaveEachWaitingForItsGates() {
    TestingWorkloads.statefulSet(setup, "data", "pg", "registry.example.com/pg:15.3", 1, "data");
    TestingWorkloads.deployment(setup, "core", "metis", "registry.example.com/metis:2.3.1", 2);
    TestingWorkloads.statefulSet(
        setup, "core", "metis-operator", "registry.example.com/op:2.3.1", 2, null);
    TestingWorkloads.deployment(setup, "apps", "ui", "registry.example.com/ui:1.0.0", 1);
    WorkloadRef pg = new WorkloadRef("StatefulSet", "data", "pg", "pg");
    WorkloadRef metis = new WorkloadRef("Deployment", "core", "metis", "metis");
    WorkloadRef ui = new WorkloadRef("Deployment", "apps", "ui", null);
    List<ObjectRef> operator = List.of(ObjectRef.of("StatefulSet", "core", "metis-operator"));
    String upgradeId = "up-" + UUID.randomUUID();
    Plan plan =
        TestingPlans.plan(
            upgradeId,
            platform,
            PlanMode.UPGRADE,
            null,
            List.of(
                new Wave(
                    0,
                    "cloud-kernel",
                    List.of(
                        TestingPlans.backup("s-0-1", "pg", pg),
                        TestingPlans.setImage(
                            "s-0-2", "pg", pg, "registry.example.com/pg:15.4", "15.3", "15.4")),
                    List.of(TestingPlans.gate("pg-health"))),
                new Wave(
                    1,
                    "core-kernel",
                    List.of(
                        TestingPlans.drain("s-1-1", "metis", operator),
                        TestingPlans.migrate(
                            "s-1-2", "metis", metis, "registry.example.com/metis-migrate:2.4.0"),
                        TestingPlans.setImage(
                            "s-1-3",
                            "metis",
                            metis,
                            "registry.example.com/metis:2.4.0",
                            "2.3.1",
                            "2.4.0"),
                        TestingPlans.restoreReplicas("s-1-4", "metis", operator)),
                    List.of(TestingPlans.gate("metis-health"), TestingPlans.gate("error-rate"))),
                new Wave(
                    2,
                    "user-space",
                    List.of(
                        TestingPlans.setImage(
                            "s-2-1", "ui", ui, "registry.example.com/ui:1.1.0", "1.0.0", "1.1.0")),
                    List.of(TestingPlans.gate("ui-health")))));

    EventEnvelope planCreated = fixture.publishPlan(plan, "release-bot", "monthly release");
    UpgradeCompleted completed = lockstep.await(upgradeId, UpgradeCompleted.class);

    assertThat(completed.versions()).isEqualTo(plan.versions());
    assertThat(lockstep.events(upgradeId, UpgradeStarted.class)).hasSize(1);
    List<EventEnvelope> events = lockstep.events();
    for (int w = 1; w < 3; w++) {
      int wave = w;
      int previous = w - 1;
      int lastVerdictOfPrevious =
          lastIndex(
              events,
              e -> e.data() instanceof GatePassed p && p.gateId().startsWith("w" + previous + "-"));
      int firstStartOfWave =
          firstIndex(events, e -> e.data() instanceof StepStarted s && s.wave() == wave);
      int lastSuccessOfPrevious =
          lastIndex(events, e -> e.data() instanceof StepSucceeded s && s.wave() == previous);
      int firstGateOfPrevious =
          firstIndex(events, e -> e.data() instanceof GateRequested g && g.wave() == previous);
      assertThat(firstGateOfPrevious)
          .as("wave %s's gates come after its steps", previous)
          .isGreaterThan(lastSuccessOfPrevious);
      assertThat(firstStartOfWave)
          .as("wave %s starts after wave %s's gates passed", wave, previous)
          .isGreaterThan(lastVerdictOfPrevious);
    }
    assertThat(lockstep.events(upgradeId, GateRequested.class))
        .extracting(GateRequested::gateId)
        .containsExactly("w0-pg-health", "w1-metis-health", "w1-error-rate", "w2-ui-health");

    // every event names what it follows from: replays and post-mortems walk these causes
    assertThat(started(events, "s-0-1").causationId())
        .as("the first step follows the plan")
        .isEqualTo(planCreated.id());
    assertThat(started(events, "s-0-2").causationId())
        .as("a component's next step in the wave follows its previous step's success")
        .isEqualTo(succeeded(events, "s-0-1").id());
    assertThat(started(events, "s-1-3").causationId()).isEqualTo(succeeded(events, "s-1-2").id());
    for (String step : List.of("s-0-1", "s-0-2", "s-1-1", "s-1-2", "s-1-3", "s-1-4", "s-2-1")) {
      assertThat(succeeded(events, step).causationId())
          .as("the success of %s follows its start (its last attempt's)", step)
          .isEqualTo(
              events
                  .get(
                      lastIndex(
                          events,
                          e -> e.data() instanceof StepStarted s && s.stepId().equals(step)))
                  .id());
    }
    assertThat(gateRequested(events, "w0-pg-health").causationId())
        .as("a wave's gate follows its last step")
        .isEqualTo(succeeded(events, "s-0-2").id());
    assertThat(started(events, "s-1-1").causationId())
        .as("the next wave follows the verdict that let it start")
        .isEqualTo(lastVerdictBefore(events, "w0-", "s-1-1").id());
    assertThat(started(events, "s-2-1").causationId())
        .isEqualTo(lastVerdictBefore(events, "w1-", "s-2-1").id());

    StatefulSet pgNow = setup.apps().statefulSets().inNamespace("data").withName("pg").get();
    Deployment metisNow = setup.apps().deployments().inNamespace("core").withName("metis").get();
    StatefulSet operatorNow =
        setup.apps().statefulSets().inNamespace("core").withName("metis-operator").get();
    assertThat(pgNow.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/pg:15.4");
    assertThat(metisNow.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/metis:2.4.0");
    assertThat(operatorNow.getSpec().getReplicas()).as("drain restored").isEqualTo(2);
    assertThat(metisNow.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.UPGRADE_ID, upgradeId)
        .containsEntry(LockstepAnnotations.STEP_ID, "s-1-3")
        .containsEntry(LockstepAnnotations.VERSION, "2.4.0");
    assertThat(operatorNow.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.STEP_ID, "s-1-4");

    StepSucceeded drained =
        lockstep.await(upgradeId, StepSucceeded.class, s -> s.stepId().equals("s-1-1"));
    assertThat(drained.before()).extracting(ObjectState::replicas).containsExactly(2);
    StepSucceeded setMetis =
        lockstep.await(upgradeId, StepSucceeded.class, s -> s.stepId().equals("s-1-3"));
    assertThat(setMetis.before().get(0).images())
        .containsEntry("metis", "registry.example.com/metis:2.3.1");
    assertThat(setMetis.before().get(0).replicas()).isEqualTo(2);
    StepSucceeded backup =
        lockstep.await(upgradeId, StepSucceeded.class, s -> s.action() == StepAction.BACKUP);
    assertThat(backup.snapshot()).startsWith("data-pg-0-");

    List<ClusterOperation> mine = cluster.operations().query().byCodeUnderTest().succeeded().list();
    long snapshotCreated = sequenceOf(mine, "POST", "VolumeSnapshot", null);
    long pgChanged = sequenceOf(mine, "PUT", "StatefulSet", "pg");
    long jobCreated = sequenceOf(mine, "POST", "Job", null);
    long metisChanged = sequenceOf(mine, "PUT", "Deployment", "metis");
    long operatorDrained = sequenceOf(mine, "PUT", "StatefulSet", "metis-operator");
    assertThat(snapshotCreated).as("backup before the stateful change").isLessThan(pgChanged);
    assertThat(operatorDrained).as("drain before the migration").isLessThan(jobCreated);
    assertThat(jobCreated).as("migration before the workload changes").isLessThan(metisChanged);
    Job job = setup.batch().v1().jobs().inNamespace("core").list().getItems().get(0);
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry(LockstepAnnotations.STEP_ID, "s-1-2");
  }

  private static EventEnvelope started(List<EventEnvelope> events, String stepId) {
    return events.get(
        firstIndex(events, e -> e.data() instanceof StepStarted s && s.stepId().equals(stepId)));
  }

  private static EventEnvelope succeeded(List<EventEnvelope> events, String stepId) {
    return events.get(
        firstIndex(events, e -> e.data() instanceof StepSucceeded s && s.stepId().equals(stepId)));
  }

  /**
   * The last verdict of the wave's gates before the step's first start (a gate asked again under
   * load can be answered twice, the second time after the next wave started).
   */
  private static EventEnvelope lastVerdictBefore(
      List<EventEnvelope> events, String gatePrefix, String stepId) {
    int start =
        firstIndex(events, e -> e.data() instanceof StepStarted s && s.stepId().equals(stepId));
    return events.get(
        lastIndex(
            events.subList(0, start),
            e -> e.data() instanceof GatePassed p && p.gateId().startsWith(gatePrefix)));
  }

  private static EventEnvelope gateRequested(List<EventEnvelope> events, String gateId) {
    return events.get(
        firstIndex(events, e -> e.data() instanceof GateRequested g && g.gateId().equals(gateId)));
  }

  private static long sequenceOf(
      List<ClusterOperation> operations, String method, String kind, String name) {
    return operations.stream()
        .filter(o -> o.method().equals(method) && kind.equals(o.kind()) && o.subresource() == null)
        .filter(o -> name == null || name.equals(o.name()))
        .mapToLong(ClusterOperation::sequence)
        .min()
        .orElseThrow(
            () ->
                new AssertionError("no " + method + " " + kind + " " + name + " in " + operations));
  }

  private static int firstIndex(
      List<EventEnvelope> events, java.util.function.Predicate<EventEnvelope> match) {
    for (int i = 0; i < events.size(); i++) {
      if (match.test(events.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no matching event");
  }

  private static int lastIndex(
      List<EventEnvelope> events, java.util.function.Predicate<EventEnvelope> match) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (match.test(events.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no matching event");
  }
}
