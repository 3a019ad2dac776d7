package dev.lockstep.executor.running;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.executor.inventory.InventoryReader;
import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.executor.saga.Decision;
import dev.lockstep.executor.saga.UpgradeSaga;
import dev.lockstep.runtime.kafka.EventPublisher;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin edge around {@link UpgradeSaga}: it folds incoming events into the saga of their upgrade
 * and carries out the saga's decisions, publishing events through {@link SagaPublisher} and handing
 * steps to {@link StepWorker}, which runs them on worker threads and resumes waits from timers, so
 * no consumer thread ever waits for the cluster. It acts only on platforms this instance owns
 * ({@link Ownership}).
 */
@Singleton
public class SagaRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SagaRunner.class);

  private final Clock clock;
  private final Platforms platforms;
  private final EventLogReader log;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Set<String> finished = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
  private final Ownership ownership = new Ownership();
  private final RunnerThreads threads;
  private final SagaPublisher publisher;
  private final StepWorker steps;

  public SagaRunner(
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      Platforms platforms,
      EventLogReader log,
      InventoryReader inventory,
      CrashPoints crashPoints,
      ExecutorSettings settings) {
    this.clock = clock;
    this.platforms = platforms;
    this.log = log;
    this.threads = new RunnerThreads(settings.getWorkers());
    this.publisher = new SagaPublisher(publisher, catalog, clock, inventory, ownership);
    this.steps =
        new StepWorker(
            platforms,
            settings,
            crashPoints,
            clock,
            ownership,
            this.publisher,
            threads,
            this::active,
            this::advance);
    threads.every(settings.getInventoryInterval(), this.publisher::observeOwned);
  }

  /** The platforms this instance owns now. */
  public Set<String> ownedPlatforms() {
    return ownership.platforms();
  }

  /**
   * How many steps this instance gave up in the middle because it lost their platform or is
   * stopping; their new owner runs them again from the log.
   */
  public int abandonedSteps() {
    return ownership.abandoned();
  }

  /** Handles one event of the plans or gates topic. */
  public void handle(EventEnvelope event) {
    if (!ownership.mayAct(event.platform())) {
      return;
    }
    String upgradeId = UpgradeSaga.upgradeIdOf(event.data());
    if (upgradeId == null || finished.contains(upgradeId)) {
      return;
    }
    Session session = sessions.get(upgradeId);
    if (session == null) {
      if (!(event.data() instanceof PlanCreated created)) {
        return;
      }
      if (!created.plan().platform().equals(event.platform())) {
        LOG.warn(
            "ignoring plan {}: it names platform {} but was sent for {}",
            upgradeId,
            created.plan().platform(),
            event.platform());
        return;
      }
      session = sessions.computeIfAbsent(upgradeId, id -> new Session(id, event.platform()));
    }
    synchronized (session) {
      if (session.saga.apply(event)) {
        session.cause = event;
        advance(session);
      }
    }
  }

  /**
   * Takes over the platforms of newly assigned partitions: reads their events from the beginning,
   * folds every upgrade, and carries on with those still active.
   */
  public void assigned(Collection<TopicPartition> assignedPartitions) {
    Set<Integer> planPartitions = planPartitions(assignedPartitions);
    Set<String> taken = new HashSet<>();
    for (PlatformSettings platform : platforms.all()) {
      if (planPartitions.contains(partitionOf(platform.getId()))
          && !ownership.holds(platform.getId())) {
        taken.add(platform.getId());
      }
    }
    if (taken.isEmpty() || ownership.halted()) {
      return;
    }
    Map<String, List<EventEnvelope>> byUpgrade = new LinkedHashMap<>();
    for (EventEnvelope event : log.read(taken)) {
      String upgradeId = UpgradeSaga.upgradeIdOf(event.data());
      if (upgradeId != null) {
        byUpgrade.computeIfAbsent(upgradeId, id -> new ArrayList<>()).add(event);
      }
    }
    ownership.take(taken);
    LOG.info("executor owns platforms {} now; {} upgrades in their log", taken, byUpgrade.size());
    for (Map.Entry<String, List<EventEnvelope>> entry : byUpgrade.entrySet()) {
      UpgradeSaga saga = UpgradeSaga.fold(entry.getKey(), entry.getValue());
      if (saga.finished()) {
        finished.add(entry.getKey());
      } else if (saga.active()) {
        Session session = new Session(saga, saga.plan().orElseThrow().platform());
        session.cause = entry.getValue().get(entry.getValue().size() - 1);
        sessions.put(entry.getKey(), session);
        LOG.info("resuming upgrade {} on {}", entry.getKey(), session.platform);
        synchronized (session) {
          advance(session);
        }
      }
    }
    taken.forEach(platform -> threads.execute(() -> publisher.observe(platform, null)));
  }

  /** Gives up the platforms of revoked or lost partitions: their sagas stop acting at once. */
  public void revoked(Collection<TopicPartition> revokedPartitions) {
    Set<Integer> planPartitions = planPartitions(revokedPartitions);
    ownership.release(platform -> planPartitions.contains(partitionOf(platform)));
    sessions.values().removeIf(session -> !ownership.holds(session.platform));
  }

  private static Set<Integer> planPartitions(Collection<TopicPartition> partitions) {
    Set<Integer> planPartitions = new HashSet<>();
    for (TopicPartition partition : partitions) {
      if (partition.topic().equals(Topics.PLANS)) {
        planPartitions.add(partition.partition());
      }
    }
    return planPartitions;
  }

  private int partitionOf(String platform) {
    return partitions.computeIfAbsent(platform, log::partitionOf);
  }

  // ---- deciding -----------------------------------------------------------------------------

  /** Carries out the saga's decisions until it waits. Called with the session's lock held. */
  private void advance(Session session) {
    while (active(session)) {
      boolean progressed = false;
      for (Decision decision : session.saga.next()) {
        progressed |= carryOut(session, decision);
      }
      if (!progressed) {
        return;
      }
    }
  }

  private boolean carryOut(Session session, Decision decision) {
    Plan plan = session.saga.plan().orElseThrow();
    String upgradeId = session.upgradeId;
    if (decision instanceof Decision.Start) {
      if (waitsForWindow(session, plan)) {
        return false;
      }
      int stepCount = plan.waves().stream().mapToInt(w -> w.steps().size()).sum();
      publisher.publish(
          session,
          new UpgradeStarted(
              upgradeId,
              plan.platform(),
              plan.mode(),
              plan.rollbackOf(),
              plan.waves().size(),
              stepCount));
      return true;
    }
    if (decision instanceof Decision.RequestApproval approval) {
      var step = approval.step();
      publisher.publish(
          session,
          new StepStarted(
              upgradeId,
              step.id(),
              approval.wave(),
              step.component(),
              step.action(),
              1,
              List.of()));
      String message =
          step.message() != null
              ? step.message()
              : "approve step " + step.id() + " of " + step.component();
      publisher.publish(
          session,
          new ApprovalRequested(upgradeId, plan.platform(), step.id(), step.component(), message));
      return true;
    }
    if (decision instanceof Decision.CompleteApproval approval) {
      var step = approval.step();
      publisher.publish(
          session,
          new StepSucceeded(
              upgradeId,
              step.id(),
              approval.wave(),
              step.component(),
              step.action(),
              step.from(),
              step.to(),
              List.of(),
              null));
      return true;
    }
    if (decision instanceof Decision.RequestGate gate) {
      publisher.publish(
          session,
          new GateRequested(
              upgradeId,
              plan.platform(),
              gate.gateId(),
              gate.wave(),
              gate.gate(),
              GatePurpose.VERIFY,
              gate.changeStartedAt()));
      return true;
    }
    if (decision instanceof Decision.Finish finish) {
      publisher.publish(session, finish.event());
      finished.add(upgradeId);
      sessions.remove(upgradeId);
      threads.execute(() -> publisher.observe(session.platform, session.cause));
      return false;
    }
    if (decision instanceof Decision.RunStep run) {
      if (!session.inFlight.add(run.step().id())) {
        return false;
      }
      // Intent first, on a worker: the before-states are read and step.started is acknowledged
      // before the cluster is changed.
      steps.start(session, run);
      return false;
    }
    throw new IllegalStateException("unknown decision " + decision);
  }

  /**
   * True while the plan's maintenance window has not opened: a timer resumes the saga when it does.
   * After a restart the fold reaches the same start decision and waits again.
   */
  private boolean waitsForWindow(Session session, Plan plan) {
    Instant notBefore = plan.window() == null ? null : plan.window().notBefore();
    Instant now = clock.instant();
    if (notBefore == null || !now.isBefore(notBefore)) {
      return false;
    }
    if (!session.waitingForWindow) {
      session.waitingForWindow = true;
      LOG.info("upgrade {} waits for its maintenance window at {}", session.upgradeId, notBefore);
      threads.schedule(
          () -> {
            synchronized (session) {
              session.waitingForWindow = false;
              if (active(session)) {
                advance(session);
              }
            }
          },
          Duration.between(now, notBefore));
    }
    return true;
  }

  /** True while the instance runs, owns the session's platform, and the session is current. */
  private boolean active(Session session) {
    return ownership.mayAct(session.platform) && sessions.get(session.upgradeId) == session;
  }

  @PreDestroy
  @Override
  public void close() {
    ownership.stop();
    threads.close();
  }
}
