package dev.lockstep.executor.running;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.executor.inventory.InventoryReader;
import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.executor.saga.Decision;
import dev.lockstep.executor.saga.UpgradeSaga;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Scope;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
  private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(30);

  /** How long after a failed read of a taken platform's log it is read again. */
  private static final Duration RESUME_RETRY = Duration.ofSeconds(1);

  /** How many platforms' inventories are observed at once. */
  private static final int OBSERVERS = 2;

  /** The component an approval of a release gate (one of no component) names. */
  static final String RELEASE = "release";

  private final Clock clock;
  private final Platforms platforms;
  private final EventLogReader log;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Set<String> finished = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
  private final Object takeover = new Object();

  /** Platforms whose Lease was taken and which are not yet read back ({@link #resumeTaken}). */
  private final Set<String> toResume = ConcurrentHashMap.newKeySet();

  private final PlatformLeases leases;
  private final Ownership ownership;
  private final ExecutorSettings settings;
  private final RunnerThreads threads;
  private final Observations<EventEnvelope> observations;
  private final SagaPublisher publisher;
  private final StepWorker steps;
  private final SagaTracing tracing;
  private final UpgradeMetrics metrics;

  public SagaRunner(
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      Platforms platforms,
      EventLogReader log,
      InventoryReader inventory,
      CrashPoints crashPoints,
      ExecutorSettings settings,
      MeterRegistry meters,
      EventTracing tracing) {
    this.clock = clock;
    this.metrics = new UpgradeMetrics(meters);
    this.platforms = platforms;
    this.log = log;
    this.settings = settings;
    this.leases =
        new PlatformLeases(
            platforms,
            settings.getLeaseNamespace(),
            settings.getLeaseDuration(),
            settings.getLeaseRenewInterval(),
            settings.instanceId());
    this.ownership = new Ownership(leases);
    platforms.fence(
        platform -> {
          if (!ownership.mayAct(platform)) {
            throw new Stopped("no cluster write for platform " + platform + ": not its owner now");
          }
        },
        "executor/" + leases.identity());
    this.threads = new RunnerThreads(settings.getWorkers());
    this.tracing = new SagaTracing(tracing);
    this.publisher = new SagaPublisher(publisher, catalog, clock, inventory, ownership, metrics);
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
            this::advance,
            this.tracing);
    this.observations = new Observations<>(OBSERVERS, this.publisher::observe);
    threads.every(
        settings.getInventoryInterval(),
        () -> ownership.platforms().forEach(platform -> observations.request(platform, null)));
    leases.listener(
        new PlatformLeases.Listener() {
          @Override
          public void acquired(String platform) {
            toResume.add(platform);
            threads.execute(SagaRunner.this::resumeTaken);
          }

          @Override
          public void lost(String platform, String reason) {
            drop(platform);
          }
        });
  }

  /** The identity this instance writes into the Leases it holds. */
  public String identity() {
    return leases.identity();
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
    synchronized (takeover) {
      handleOwned(event);
    }
  }

  private void handleOwned(EventEnvelope event) {
    if (!ownership.mayAct(event.platform())) {
      return;
    }
    metrics.gateFailed(event);
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
      tracing.planHandled(session);
    }
    synchronized (session) {
      if (session.saga.apply(event)) {
        session.cause = event;
        advance(session);
      }
    }
  }

  /**
   * Starts taking over the platforms of newly assigned partitions: each is taken once its Lease is
   * held ({@link #resume}).
   */
  public void assigned(Collection<TopicPartition> assignedPartitions) {
    Set<Integer> planPartitions = planPartitions(assignedPartitions);
    Set<String> taken = new HashSet<>();
    for (PlatformSettings platform : platforms.all()) {
      if (planPartitions.contains(partitionOf(platform.getId()))
          && !ownership.isAssigned(platform.getId())) {
        taken.add(platform.getId());
      }
    }
    if (taken.isEmpty() || ownership.halted()) {
      return;
    }
    ownership.assign(taken);
    LOG.info("executor is assigned platforms {}; taking their Leases", taken);
    taken.forEach(leases::want);
  }

  /**
   * Takes over the platforms whose Lease this instance now holds: reads their events from the
   * beginning, once for all of those taken meanwhile (a read of the topics costs the same for one
   * platform as for two hundred, and an instance given many platforms at once used to read them one
   * after the other), folds every upgrade, and carries on with those still active. Consumed events
   * wait meanwhile, so none falls between the log read and the live ones.
   */
  void resumeTaken() {
    Set<String> taken = new LinkedHashSet<>();
    synchronized (takeover) {
      for (String platform : List.copyOf(toResume)) {
        if (toResume.remove(platform)
            && ownership.isAssigned(platform)
            && !ownership.halted()
            && leases.valid(platform)) {
          taken.add(platform);
        }
      }
      if (taken.isEmpty()) {
        return;
      }
      sessions.values().removeIf(session -> taken.contains(session.platform));
      List<EventEnvelope> logged;
      try {
        logged = log.read(taken);
      } catch (RuntimeException e) {
        // the Leases stay held and the platforms unowned until their log is read: read it again
        LOG.warn(
            "could not read the log of {} back ({}); reading it again in {}",
            taken,
            e.toString(),
            RESUME_RETRY);
        toResume.addAll(taken);
        threads.schedule(this::resumeTaken, RESUME_RETRY);
        return;
      }
      Map<String, Map<String, List<EventEnvelope>>> byPlatform = new LinkedHashMap<>();
      taken.forEach(platform -> byPlatform.put(platform, new LinkedHashMap<>()));
      for (EventEnvelope event : logged) {
        String upgradeId = UpgradeSaga.upgradeIdOf(event.data());
        Map<String, List<EventEnvelope>> upgrades = byPlatform.get(event.platform());
        if (upgradeId != null && upgrades != null) {
          upgrades.computeIfAbsent(upgradeId, id -> new ArrayList<>()).add(event);
        }
      }
      for (Map.Entry<String, Map<String, List<EventEnvelope>>> platform : byPlatform.entrySet()) {
        resume(platform.getKey(), platform.getValue());
      }
    }
    for (String platform : taken) {
      observations.request(platform, null);
    }
  }

  /** Owns the platform from now on and carries on with its active upgrades, read back. */
  private void resume(String platform, Map<String, List<EventEnvelope>> byUpgrade) {
    ownership.take(platform);
    LOG.info("executor owns platform {} now; {} upgrades in its log", platform, byUpgrade.size());
    for (Map.Entry<String, List<EventEnvelope>> entry : byUpgrade.entrySet()) {
      UpgradeSaga saga = UpgradeSaga.fold(entry.getKey(), entry.getValue());
      if (saga.finished()) {
        finished.add(entry.getKey());
      } else if (saga.active()) {
        Session session = new Session(saga, saga.plan().orElseThrow().platform());
        session.cause = entry.getValue().get(entry.getValue().size() - 1);
        session.causes.readBack(entry.getValue());
        tracing.resumed(session, entry.getValue());
        sessions.put(entry.getKey(), session);
        LOG.info("resuming upgrade {} on {}", entry.getKey(), session.platform);
        metrics.resumed(session, entry.getValue());
        synchronized (session) {
          advance(session);
        }
      }
    }
  }

  /** Gives up the platforms of revoked or lost partitions: their sagas stop acting at once. */
  public void revoked(Collection<TopicPartition> revokedPartitions) {
    Set<Integer> planPartitions = planPartitions(revokedPartitions);
    Set<String> gone = new HashSet<>();
    for (PlatformSettings platform : platforms.all()) {
      if (planPartitions.contains(partitionOf(platform.getId()))
          && ownership.isAssigned(platform.getId())) {
        gone.add(platform.getId());
      }
    }
    ownership.unassign(gone::contains);
    sessions.values().removeIf(session -> gone.contains(session.platform));
    gone.forEach(metrics::dropped);
    gone.forEach(leases::giveUp);
  }

  /**
   * Stops the work of a platform whose Lease was lost; while its partition stays assigned, the
   * Lease is taken again as soon as it can be and the platform resumed from the log.
   */
  private void drop(String platform) {
    ownership.release(platform::equals);
    sessions.values().removeIf(session -> session.platform.equals(platform));
    metrics.dropped(platform);
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

  /**
   * Carries out the saga's decisions until it waits, then arms the deadlines of its waits. A
   * publish that fails (the broker unavailable) is tried again from a timer with a growing pause:
   * the event that led to it is already folded and will not come again. Called with the session's
   * lock held.
   */
  private void advance(Session session) {
    try {
      while (active(session)) {
        boolean progressed = false;
        for (Decision decision : session.saga.next(clock.instant())) {
          progressed |= carryOut(session, decision);
        }
        if (!progressed) {
          break;
        }
      }
      session.retryPause = null;
    } catch (Stopped stopped) {
      LOG.info("upgrade {} stops here: {}", session.upgradeId, stopped.getMessage());
      return;
    } catch (RuntimeException e) {
      Duration pause =
          session.retryPause == null
              ? settings.getPollInterval()
              : min(session.retryPause.multipliedBy(2), MAX_RETRY_PAUSE);
      session.retryPause = pause;
      LOG.warn(
          "upgrade {} could not carry out its next decision, trying again in {}: {}",
          session.upgradeId,
          pause,
          e.toString());
      threads.schedule(
          () -> {
            synchronized (session) {
              if (active(session)) {
                advance(session);
              }
            }
          },
          pause);
      return;
    }
    if (active(session)) {
      armDeadlines(session);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private boolean carryOut(Session session, Decision decision) {
    Plan plan = session.saga.plan().orElseThrow();
    String upgradeId = session.upgradeId;
    if (decision instanceof Decision.AwaitWindow await) {
      awaitWindow(session, await.notBefore());
      return false;
    }
    if (decision instanceof Decision.CloseWindow closed) {
      LOG.info(
          "upgrade {}: wave {} would start after its window closed at {}; held",
          upgradeId,
          closed.wave(),
          closed.notAfter());
      publisher.publish(
          session,
          new UpgradeWindowClosed(upgradeId, plan.platform(), closed.wave(), closed.notAfter()),
          "w" + closed.wave() + "/" + closed.notAfter());
      return true;
    }
    if (decision instanceof Decision.Start) {
      int stepCount = plan.waves().stream().mapToInt(w -> w.steps().size()).sum();
      // the first steps' before-states are read while upgrade.started is acknowledged
      steps.readAhead(session, session.saga.stepsOnceStarted(clock.instant()));
      publisher.publish(
          session,
          new UpgradeStarted(
              upgradeId,
              plan.platform(),
              plan.mode(),
              plan.rollbackOf(),
              plan.waves().size(),
              stepCount),
          "");
      return true;
    }
    if (decision instanceof Decision.RequestApproval approval) {
      var step = approval.step();
      publisher.publish(
          session,
          new StepStarted(
              upgradeId, step.id(), approval.wave(), step.component(), step.action(), 1, List.of()),
          step.id() + "/1");
      publisher.publish(session, approvalRequest(plan, step), step.id() + "/1");
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
              null),
          step.id() + "/1");
      return true;
    }
    if (decision instanceof Decision.RequestGateApproval approval) {
      PlannedGate gate = approval.gate();
      String message =
          gate.spec() != null
                  && gate.spec().approval() != null
                  && gate.spec().approval().message() != null
              ? gate.spec().approval().message()
              : "approve gate " + gate.name() + " of wave " + approval.wave();
      publisher.publish(
          session,
          new ApprovalRequested(
              upgradeId,
              plan.platform(),
              approval.gateId(),
              gate.component() == null ? RELEASE : gate.component(),
              message),
          approval.gateId() + "/1");
      return true;
    }
    if (decision instanceof Decision.RequestGate gate) {
      // in the wave's span: the validator's measurements of the gate are its descendants
      try (Scope wave = tracing.wave(session, gate.wave()).makeCurrent()) {
        publisher.publish(
            session,
            new GateRequested(
                upgradeId,
                plan.platform(),
                gate.gateId(),
                gate.wave(),
                gate.gate(),
                gate.purpose(),
                gate.changeStartedAt(),
                gate.baselineOf()),
            gate.gateId() + "/1");
      }
      return true;
    }
    if (decision instanceof Decision.Finish finish) {
      publisher.publish(session, finish.event(), "");
      tracing.finished(session);
      finished.add(upgradeId);
      sessions.remove(upgradeId);
      observations.request(session.platform, session.cause);
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

  private static ApprovalRequested approvalRequest(
      Plan plan, dev.lockstep.events.v1.PlanStep step) {
    String message =
        step.message() != null
            ? step.message()
            : "approve step " + step.id() + " of " + step.component();
    return new ApprovalRequested(
        plan.upgradeId(), plan.platform(), step.id(), step.component(), message);
  }

  // ---- deadlines ----------------------------------------------------------------------------

  /**
   * Arms a timer for every open wait (a gate verdict, an approval) at its deadline, counted from
   * when it was last asked for in the log, so that a restarted executor keeps the same deadlines.
   * At the deadline the executor asks once more; at the second it fails closed. Called with the
   * session's lock held.
   */
  private void armDeadlines(Session session) {
    session
        .saga
        .openGates()
        .forEach(
            (gateId, ask) -> {
              GateRequested request = (GateRequested) ask.request();
              Duration deadline = gateDeadline(request);
              arm(
                  session,
                  "gate " + gateId,
                  ask,
                  deadline,
                  () -> gateOverdue(session, gateId, deadline));
            });
    session
        .saga
        .openApprovals()
        .forEach(
            (stepId, ask) -> {
              if (session.saga.isApprovalGate(stepId)) {
                Duration deadline = approvalGateDeadline(session, stepId);
                arm(
                    session,
                    "approval " + stepId,
                    ask,
                    deadline,
                    () -> approvalGateOverdue(session, stepId, deadline));
              } else {
                arm(
                    session,
                    "approval " + stepId,
                    ask,
                    settings.getApprovalTimeout(),
                    () -> approvalOverdue(session, stepId));
              }
            });
  }

  /** An approval gate waits its own {@code timeout}, or {@code approval-timeout}. */
  private Duration approvalGateDeadline(Session session, String gateId) {
    String timeout =
        session.saga.plan().stream()
            .flatMap(p -> p.waves().stream())
            .flatMap(
                w ->
                    w.gates().stream().filter(g -> UpgradeSaga.gateId(w.index(), g).equals(gateId)))
            .map(g -> g.spec() == null ? null : g.spec().timeout())
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse(null);
    return GoDuration.parseOr(timeout, settings.getApprovalTimeout());
  }

  /**
   * An approval gate not approved by its deadline fails, as a failed gate does: the upgrade fails
   * and is rolled back. It is asked once; its deadline is the whole wait.
   */
  private void approvalGateOverdue(Session session, String gateId, Duration deadline) {
    if (!session.saga.openApprovals().containsKey(gateId)) {
      return;
    }
    String reason = "approval gate " + gateId + " was not approved within " + deadline;
    LOG.warn("upgrade {}: {}", session.upgradeId, reason);
    session.saga.expireGate(gateId, reason);
    advance(session);
  }

  private void arm(
      Session session, String wait, UpgradeSaga.Ask ask, Duration deadline, Runnable overdue) {
    if (!session.armed.add(wait + "#" + ask.asks())) {
      return;
    }
    Duration delay = Duration.between(clock.instant(), ask.askedAt().plus(deadline));
    threads.schedule(
        () -> {
          synchronized (session) {
            if (active(session)) {
              overdue.run();
            }
          }
        },
        delay.isNegative() ? Duration.ZERO : delay);
  }

  /** How long a gate's verdict may take: the gate's own time limit and a grace period. */
  private Duration gateDeadline(GateRequested request) {
    String timeout = request.gate().spec() == null ? null : request.gate().spec().timeout();
    return GoDuration.parseOr(timeout, settings.getGateVerdictTimeout())
        .plus(settings.getGateVerdictGrace());
  }

  private void gateOverdue(Session session, String gateId, Duration deadline) {
    UpgradeSaga.Ask ask = session.saga.openGates().get(gateId);
    if (ask == null) {
      return;
    }
    try {
      if (ask.asks() < 2) {
        LOG.warn(
            "gate {} of upgrade {} has no verdict after {}; asking again",
            gateId,
            session.upgradeId,
            deadline);
        publisher.publish(session, ask.request(), gateId + "/" + (ask.asks() + 1));
      } else {
        String reason =
            "gate "
                + gateId
                + " gave no verdict within "
                + deadline
                + ", asked "
                + ask.asks()
                + " times: failing closed";
        LOG.warn("upgrade {}: {}", session.upgradeId, reason);
        session.saga.expireGate(gateId, reason);
      }
    } catch (Stopped stopped) {
      return;
    } catch (RuntimeException e) {
      LOG.warn("could not act on the overdue gate {}, trying again: {}", gateId, e.toString());
      session.armed.remove("gate " + gateId + "#" + ask.asks());
    }
    advance(session);
  }

  private void approvalOverdue(Session session, String stepId) {
    UpgradeSaga.Ask ask = session.saga.openApprovals().get(stepId);
    if (ask == null) {
      return;
    }
    Duration deadline = settings.getApprovalTimeout();
    try {
      if (ask.asks() < 2) {
        LOG.warn(
            "step {} of upgrade {} has no approval after {}; asking again",
            stepId,
            session.upgradeId,
            deadline);
        publisher.publish(session, ask.request(), stepId + "/" + (ask.asks() + 1));
      } else {
        var step = session.saga.step(stepId);
        publisher.publish(
            session,
            new StepFailed(
                session.upgradeId,
                stepId,
                session.saga.waveOf(stepId),
                step.component(),
                step.action(),
                "no approval within " + deadline + ", asked " + ask.asks() + " times",
                List.of()),
            stepId + "/1");
      }
    } catch (Stopped stopped) {
      return;
    } catch (RuntimeException e) {
      LOG.warn("could not act on the overdue approval {}, trying again: {}", stepId, e.toString());
      session.armed.remove("approval " + stepId + "#" + ask.asks());
    }
    advance(session);
  }

  /**
   * Arms a timer that resumes the saga when its maintenance window opens (before the upgrade
   * starts, or before its next wave once it was rescheduled), once per opening time. After a
   * restart the fold reaches the same wait and arms it again.
   */
  private void awaitWindow(Session session, Instant notBefore) {
    if (notBefore.equals(session.windowTimer)) {
      return;
    }
    session.windowTimer = notBefore;
    LOG.info("upgrade {} waits for its maintenance window at {}", session.upgradeId, notBefore);
    Duration delay = Duration.between(clock.instant(), notBefore);
    threads.schedule(
        () -> {
          synchronized (session) {
            if (notBefore.equals(session.windowTimer)) {
              session.windowTimer = null;
            }
            if (active(session)) {
              advance(session);
            }
          }
        },
        delay.isNegative() ? Duration.ZERO : delay);
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
    observations.close();
    leases.close();
  }
}
