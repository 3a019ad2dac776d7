package dev.lockstep.executor.running;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.executor.cluster.Applied;
import dev.lockstep.executor.cluster.ClusterSteps;
import dev.lockstep.executor.cluster.Progress;
import dev.lockstep.executor.cluster.StepContext;
import dev.lockstep.executor.cluster.StepFailure;
import dev.lockstep.executor.inventory.InventoryReader;
import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.executor.saga.Decision;
import dev.lockstep.executor.saga.UpgradeSaga;
import dev.lockstep.runtime.kafka.EventPublisher;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin edge around {@link UpgradeSaga}: it folds incoming events into the saga of their
 * upgrade, carries out the saga's decisions (publishing events; running steps on the cluster on
 * worker threads) and resumes waits from timers, so no consumer thread ever waits for the cluster.
 * It acts only on platforms whose partition this instance owns.
 */
@Singleton
public class SagaRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SagaRunner.class);
  private static final String SERVICE = "executor";
  private static final int TRANSIENT_ATTEMPTS = 5;

  private final EventPublisher publisher;
  private final EventCatalog catalog;
  private final Clock clock;
  private final Platforms platforms;
  private final EventLogReader log;
  private final InventoryReader inventory;
  private final CrashPoints crashPoints;
  private final ExecutorSettings settings;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Set<String> finished = ConcurrentHashMap.newKeySet();
  private final Set<String> owned = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final java.util.concurrent.atomic.AtomicInteger abandoned =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean halted;

  public SagaRunner(
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      Platforms platforms,
      EventLogReader log,
      InventoryReader inventory,
      CrashPoints crashPoints,
      ExecutorSettings settings) {
    this.publisher = publisher;
    this.catalog = catalog;
    this.clock = clock;
    this.platforms = platforms;
    this.log = log;
    this.inventory = inventory;
    this.crashPoints = crashPoints;
    this.settings = settings;
    this.timers = Executors.newScheduledThreadPool(2, daemon("executor-timer"));
    this.workers = Executors.newFixedThreadPool(settings.getWorkers(), daemon("executor-worker"));
    long every = settings.getInventoryInterval().toMillis();
    timers.scheduleAtFixedRate(this::observeOwned, every, every, TimeUnit.MILLISECONDS);
  }

  /** The platforms this instance owns now. */
  public Set<String> ownedPlatforms() {
    return Set.copyOf(owned);
  }

  /**
   * How many steps this instance gave up in the middle because it lost their platform or is
   * stopping; their new owner runs them again from the log.
   */
  public int abandonedSteps() {
    return abandoned.get();
  }

  /** Handles one event of the plans or gates topic. */
  public void handle(EventEnvelope event) {
    if (halted || !owned.contains(event.platform())) {
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
    Set<Integer> planPartitions = new HashSet<>();
    for (TopicPartition partition : assignedPartitions) {
      if (partition.topic().equals(Topics.PLANS)) {
        planPartitions.add(partition.partition());
      }
    }
    Set<String> taken = new HashSet<>();
    for (PlatformSettings platform : platforms.all()) {
      if (planPartitions.contains(partitionOf(platform.getId()))
          && !owned.contains(platform.getId())) {
        taken.add(platform.getId());
      }
    }
    if (taken.isEmpty() || halted) {
      return;
    }
    Map<String, List<EventEnvelope>> byUpgrade = new LinkedHashMap<>();
    for (EventEnvelope event : log.read(taken)) {
      String upgradeId = UpgradeSaga.upgradeIdOf(event.data());
      if (upgradeId != null) {
        byUpgrade.computeIfAbsent(upgradeId, id -> new java.util.ArrayList<>()).add(event);
      }
    }
    owned.addAll(taken);
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
    taken.forEach(platform -> timers.execute(() -> observe(platform, null)));
  }

  /** Gives up the platforms of revoked or lost partitions: their sagas stop acting at once. */
  public void revoked(Collection<TopicPartition> revokedPartitions) {
    Set<Integer> planPartitions = new HashSet<>();
    for (TopicPartition partition : revokedPartitions) {
      if (partition.topic().equals(Topics.PLANS)) {
        planPartitions.add(partition.partition());
      }
    }
    owned.removeIf(platform -> planPartitions.contains(partitionOf(platform)));
    sessions.values().removeIf(session -> !owned.contains(session.platform));
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
      int steps = plan.waves().stream().mapToInt(w -> w.steps().size()).sum();
      publish(
          session,
          new UpgradeStarted(
              upgradeId,
              plan.platform(),
              plan.mode(),
              plan.rollbackOf(),
              plan.waves().size(),
              steps));
      return true;
    }
    if (decision instanceof Decision.RequestApproval approval) {
      var step = approval.step();
      publish(
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
      publish(
          session,
          new ApprovalRequested(upgradeId, plan.platform(), step.id(), step.component(), message));
      return true;
    }
    if (decision instanceof Decision.CompleteApproval approval) {
      var step = approval.step();
      publish(
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
      publish(
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
      publish(session, finish.event());
      finished.add(upgradeId);
      sessions.remove(upgradeId);
      timers.execute(() -> observe(session.platform, session.cause));
      return false;
    }
    if (decision instanceof Decision.RunStep run) {
      if (!session.inFlight.add(run.step().id())) {
        return false;
      }
      // Intent first, on a worker: the before-states are read and step.started is acknowledged
      // before the cluster is changed.
      submit(() -> begin(session, run, 1));
      return false;
    }
    throw new IllegalStateException("unknown decision " + decision);
  }

  // ---- intent -------------------------------------------------------------------------------

  /**
   * Records a step's intent, then acts. A step that has not started reads the before-state of every
   * object it will change from the cluster; a step run again after a crash takes the before-states
   * of its first {@code step.started} instead, since it may have changed or deleted those objects
   * already. Either way they travel in this attempt's {@code step.started}.
   */
  private void begin(Session session, Decision.RunStep run, int attempt) {
    List<ObjectState> before = run.startedBefore();
    if (before == null) {
      try {
        requireActive(session);
        before = clusterSteps(session).readBefore(context(session, run, List.of()));
      } catch (Stopped stopped) {
        abandoned.incrementAndGet();
        LOG.info("step {} stops before its intent: {}", run.step().id(), stopped.getMessage());
        return;
      } catch (KubernetesClientException e) {
        if (transientError(e) && attempt < TRANSIENT_ATTEMPTS) {
          LOG.warn(
              "reading the before-states of step {} met a transient error: {}",
              run.step().id(),
              e.getMessage());
          schedule(() -> begin(session, run, attempt + 1), settings.getPollInterval());
          return;
        }
        // The step meets the same refusal when it acts, and fails with it.
        before = List.of();
      } catch (StepFailure failure) {
        // The step fails with this reason when it acts, before it changes anything.
        before = List.of();
      } catch (RuntimeException e) {
        LOG.warn("could not read the before-states of step {}: {}", run.step().id(), e.toString());
        before = List.of();
      }
    }
    announce(session, run, before);
  }

  private void announce(Session session, Decision.RunStep run, List<ObjectState> before) {
    var step = run.step();
    synchronized (session) {
      if (!active(session)) {
        if (halted || !owned.contains(session.platform)) {
          abandoned.incrementAndGet();
        }
        LOG.info("step {} does not start: its upgrade no longer runs here", step.id());
        return;
      }
      try {
        publish(
            session,
            new StepStarted(
                session.upgradeId,
                step.id(),
                run.wave(),
                step.component(),
                step.action(),
                run.attempt(),
                before));
      } catch (Stopped stopped) {
        abandoned.incrementAndGet();
        LOG.info("step {} stops before its intent: {}", step.id(), stopped.getMessage());
        return;
      } catch (RuntimeException e) {
        LOG.warn(
            "could not publish the intent of step {}, trying again: {}", step.id(), e.toString());
        schedule(() -> announce(session, run, before), settings.getPollInterval());
        return;
      }
    }
    act(
        session,
        new Decision.RunStep(step, run.wave(), run.attempt(), run.priorBefore(), before),
        1);
  }

  // ---- acting -------------------------------------------------------------------------------

  private void act(Session session, Decision.RunStep run, int attempt) {
    // A step that fails half-way reports its intent: whatever it changed is among those objects.
    List<ObjectState> partial = run.startedBefore() == null ? List.of() : run.startedBefore();
    try {
      crashPoints.reached(CrashPoints.BEFORE_ACT, run.step().id());
      requireActive(session);
      Applied applied =
          clusterSteps(session).apply(context(session, run, run.startedBefore()), clock.instant());
      schedulePoll(session, run, applied, true);
    } catch (CrashPoints.Crash crash) {
      halt(crash);
    } catch (Stopped stopped) {
      abandoned.incrementAndGet();
      LOG.info("step {} stops: {}", run.step().id(), stopped.getMessage());
    } catch (StepFailure failure) {
      finishStep(session, run, failed(session, run, failure.getMessage(), failure.before()));
    } catch (KubernetesClientException e) {
      if (transientError(e) && attempt < TRANSIENT_ATTEMPTS) {
        LOG.warn(
            "step {} attempt {} met a transient error: {}",
            run.step().id(),
            attempt,
            e.getMessage());
        schedule(() -> act(session, run, attempt + 1), settings.getPollInterval());
      } else {
        finishStep(
            session,
            run,
            failed(session, run, "the API server refused the change: " + e.getMessage(), partial));
      }
    } catch (RuntimeException e) {
      LOG.error("step {} failed unexpectedly", run.step().id(), e);
      finishStep(session, run, failed(session, run, "unexpected error: " + e, partial));
    }
  }

  private ClusterSteps clusterSteps(Session session) {
    PlatformSettings platform = platforms.find(session.platform).orElseThrow();
    return new ClusterSteps(
        platforms.client(session.platform),
        Set.copyOf(platform.getNamespaces()),
        settings.timings(),
        stepId -> crashPoints.reached(CrashPoints.MID_ACT, stepId));
  }

  private static StepContext context(
      Session session, Decision.RunStep run, List<ObjectState> startedBefore) {
    return new StepContext(
        session.platform, session.upgradeId, run.step(), run.priorBefore(), startedBefore);
  }

  private void schedulePoll(Session session, Decision.RunStep run, Applied applied, boolean first) {
    schedule(
        () -> {
          try {
            if (first) {
              crashPoints.reached(CrashPoints.DURING_WAIT, run.step().id());
            }
            requireActive(session);
            Progress progress = applied.check().poll(clock.instant());
            switch (progress.state()) {
              case WAITING -> schedulePoll(session, run, applied, false);
              case DONE -> {
                crashPoints.reached(CrashPoints.BEFORE_RESULT, run.step().id());
                var step = run.step();
                finishStep(
                    session,
                    run,
                    new StepSucceeded(
                        session.upgradeId,
                        step.id(),
                        run.wave(),
                        step.component(),
                        step.action(),
                        step.from(),
                        step.to(),
                        applied.before(),
                        applied.snapshot()));
              }
              case FAILED ->
                  finishStep(
                      session, run, failed(session, run, progress.reason(), applied.before()));
            }
          } catch (CrashPoints.Crash crash) {
            halt(crash);
          } catch (Stopped stopped) {
            abandoned.incrementAndGet();
            LOG.info("wait of step {} stops: {}", run.step().id(), stopped.getMessage());
          } catch (RuntimeException e) {
            LOG.warn("looking at step {} failed, looking again: {}", run.step().id(), e.toString());
            schedulePoll(session, run, applied, false);
          }
        },
        first ? Duration.ZERO : settings.getPollInterval());
  }

  private void finishStep(Session session, Decision.RunStep run, EventPayload result) {
    synchronized (session) {
      if (!active(session)) {
        return;
      }
      try {
        publish(session, result);
      } catch (RuntimeException e) {
        LOG.warn(
            "could not publish the result of step {}, trying again: {}",
            run.step().id(),
            e.toString());
        schedule(() -> finishStep(session, run, result), settings.getPollInterval());
        return;
      }
      session.inFlight.remove(run.step().id());
      advance(session);
    }
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
      schedule(
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

  private static StepFailed failed(
      Session session, Decision.RunStep run, String reason, List<ObjectState> before) {
    var step = run.step();
    return new StepFailed(
        session.upgradeId, step.id(), run.wave(), step.component(), step.action(), reason, before);
  }

  private static boolean transientError(KubernetesClientException e) {
    return e.getCode() == 0 || e.getCode() >= 500 || e.getCode() == 429 || e.getCode() == 409;
  }

  // ---- publishing and ownership -------------------------------------------------------------

  private void publish(Session session, EventPayload payload) {
    requireActive(session);
    EventEnvelope event =
        EventEnvelope.create(
            catalog, SERVICE, session.platform, session.upgradeId, payload, session.cause, clock);
    EventEnvelope sent = publisher.publishAndWait(event).event();
    session.saga.apply(sent);
  }

  private void observe(String platform, EventEnvelope cause) {
    if (halted || !owned.contains(platform)) {
      return;
    }
    try {
      EventEnvelope event =
          EventEnvelope.create(
              catalog, SERVICE, platform, null, inventory.observe(platform), cause, clock);
      publisher.publishAndWait(event);
    } catch (RuntimeException e) {
      LOG.warn("could not observe the inventory of {}: {}", platform, e.toString());
    }
  }

  private void observeOwned() {
    owned.forEach(platform -> observe(platform, null));
  }

  private boolean active(Session session) {
    return !halted
        && owned.contains(session.platform)
        && sessions.get(session.upgradeId) == session;
  }

  private void requireActive(Session session) {
    if (halted) {
      throw new Stopped("the executor is stopping");
    }
    if (!owned.contains(session.platform)) {
      throw new Stopped("this instance no longer owns platform " + session.platform);
    }
  }

  private void halt(CrashPoints.Crash crash) {
    halted = true;
    LOG.warn("executor halted at a crash point: {}", crash.getMessage());
  }

  private void submit(Runnable task) {
    try {
      workers.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("the executor is stopping; a task is dropped");
    }
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("the executor is stopping; a timer is dropped");
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @PreDestroy
  @Override
  public void close() {
    halted = true;
    timers.shutdownNow();
    workers.shutdownNow();
  }

  /** One upgrade this instance runs: its saga and the steps being worked on now. */
  private static final class Session {
    final String upgradeId;
    final String platform;
    final UpgradeSaga saga;
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    EventEnvelope cause;
    boolean waitingForWindow;

    Session(String upgradeId, String platform) {
      this(new UpgradeSaga(upgradeId), platform);
    }

    Session(UpgradeSaga saga, String platform) {
      this.upgradeId = saga.upgradeId();
      this.platform = platform;
      this.saga = saga;
    }
  }

  /** The saga must not act: the executor stops, or the platform moved to another instance. */
  private static final class Stopped extends RuntimeException {
    Stopped(String message) {
      super(message);
    }
  }
}
