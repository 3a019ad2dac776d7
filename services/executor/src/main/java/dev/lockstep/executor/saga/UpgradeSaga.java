package dev.lockstep.executor.saga;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The saga of one upgrade (or rollback) plan: a fold over its events (the plan, the executor's own
 * execution events, gate verdicts, approvals and cancels) and, from that state alone, the next
 * {@link Decision}s. No I/O: the same events always give the same decisions, which is what lets a
 * restarted executor carry on from the event log.
 */
public final class UpgradeSaga {
  private final String upgradeId;
  private final Set<String> seen = new HashSet<>();
  private final Map<String, StepRecord> steps = new LinkedHashMap<>();
  private final List<String> changeOrder = new ArrayList<>();
  private final Set<String> gatesRequested = new HashSet<>();
  private final Map<String, Ask> gateAsks = new LinkedHashMap<>();
  private final Map<String, Ask> approvalAsks = new LinkedHashMap<>();
  private final Set<String> gatesPassed = new HashSet<>();
  private final Set<String> approved = new HashSet<>();
  private final Map<Integer, Instant> waveStartedAt = new HashMap<>();
  private Plan plan;
  private boolean started;
  private boolean finished;
  private String failedGateId;
  private String failedGateReason;
  private String cancelReason;
  private boolean cancelled;
  private boolean paused;
  private Window window;
  private boolean heldByWindow;

  /** A saga for the given upgrade id, with no events yet. */
  public UpgradeSaga(String upgradeId) {
    this.upgradeId = upgradeId;
  }

  /** Folds events, in log order, into a new saga. */
  public static UpgradeSaga fold(String upgradeId, List<EventEnvelope> events) {
    UpgradeSaga saga = new UpgradeSaga(upgradeId);
    events.forEach(saga::apply);
    return saga;
  }

  /** The upgrade id. */
  public String upgradeId() {
    return upgradeId;
  }

  /** The plan, once {@code plan.created} was folded. */
  public Optional<Plan> plan() {
    return Optional.ofNullable(plan);
  }

  /** Whether the plan has ended (its final event is in the log). */
  public boolean finished() {
    return finished;
  }

  /**
   * Whether the plan is paused ({@code upgrade.paused} with no {@code upgrade.resumed} after it).
   */
  public boolean paused() {
    return paused;
  }

  /**
   * Whether the plan is held because its window closed ({@code upgrade.window-closed} with no
   * {@code upgrade.rescheduled} or {@code upgrade.resumed} after it).
   */
  public boolean heldByWindow() {
    return heldByWindow;
  }

  /**
   * The window the upgrade runs in now: the plan's, or the latest {@code upgrade.rescheduled}'s;
   * none once a person resumed an upgrade its window held.
   */
  public Optional<Window> window() {
    return Optional.ofNullable(window);
  }

  /** Whether the plan is known and has not ended. */
  public boolean active() {
    return plan != null && !finished;
  }

  /** The status of a step; {@link StepStatus#PENDING} for an unknown one. */
  public StepStatus status(String stepId) {
    StepRecord record = steps.get(stepId);
    return record == null ? StepStatus.PENDING : record.status;
  }

  /**
   * Folds one event; events of other upgrades and events already folded (same id) are ignored.
   *
   * @return whether the event changed the saga
   */
  public boolean apply(EventEnvelope event) {
    if (!seen.add(event.id())) {
      return false;
    }
    EventPayload data = event.data();
    if (data instanceof PlanCreated created) {
      if (plan != null || !created.plan().upgradeId().equals(upgradeId)) {
        return false;
      }
      plan = created.plan();
      window = plan.window();
      for (Wave wave : plan.waves()) {
        for (PlanStep step : wave.steps()) {
          steps.put(step.id(), new StepRecord(step, wave.index()));
        }
      }
      return true;
    }
    if (!upgradeId.equals(upgradeIdOf(data))) {
      return false;
    }
    if (data instanceof UpgradeStarted) {
      started = true;
    } else if (data instanceof StepStarted s) {
      StepRecord record = steps.get(s.stepId());
      if (record != null) {
        if (!record.status.terminal()) {
          record.status = StepStatus.STARTED;
        }
        record.attempts = Math.max(record.attempts, s.attempt());
        if (record.startedBefore == null) {
          record.startedBefore = s.before();
        }
        waveStartedAt.merge(s.wave(), event.time(), (a, b) -> a.isBefore(b) ? a : b);
      }
    } else if (data instanceof StepSucceeded s) {
      StepRecord record = steps.get(s.stepId());
      if (record != null && !record.status.terminal()) {
        record.status = StepStatus.SUCCEEDED;
        record.before = s.before();
        record.snapshot = s.snapshot();
        changeOrder.add(s.stepId());
      }
    } else if (data instanceof StepFailed s) {
      StepRecord record = steps.get(s.stepId());
      if (record != null && !record.status.terminal()) {
        record.status = StepStatus.FAILED;
        record.before = s.before();
        record.reason = s.reason();
        changeOrder.add(s.stepId());
      }
    } else if (data instanceof StepRetried s) {
      // The step stays started: the next decisions run it again.
      StepRecord record = steps.get(s.stepId());
      if (record != null) {
        record.retried = Math.max(record.retried, s.attempt() - 1);
      }
    } else if (data instanceof GateRequested g) {
      gatesRequested.add(g.gateId());
      gateAsks.merge(g.gateId(), new Ask(g, 1, event.time()), Ask::again);
    } else if (data instanceof ApprovalRequested a) {
      approvalAsks.merge(a.stepId(), new Ask(a, 1, event.time()), Ask::again);
    } else if (data instanceof GatePassed g) {
      gatesPassed.add(g.gateId());
    } else if (data instanceof GateFailed g) {
      if (failedGateId == null) {
        failedGateId = g.gateId();
        failedGateReason = "gate " + g.gateName() + " failed: " + g.reason();
      }
    } else if (data instanceof UpgradePaused) {
      paused = true;
    } else if (data instanceof UpgradeResumed) {
      paused = false;
      if (heldByWindow) {
        // a person lifts the hold of a closed window: the upgrade runs on without one
        heldByWindow = false;
        window = null;
      }
    } else if (data instanceof UpgradeWindowClosed) {
      heldByWindow = true;
    } else if (data instanceof UpgradeRescheduled r) {
      heldByWindow = false;
      window = r.window();
    } else if (data instanceof StepApproved a) {
      approved.add(a.stepId());
    } else if (data instanceof UpgradeCancelled c) {
      cancelled = true;
      cancelReason =
          "cancelled by "
              + c.cancelledBy()
              + (c.reason() == null || c.reason().isBlank() ? "" : ": " + c.reason());
    } else if (data instanceof UpgradeCompleted
        || data instanceof UpgradeFailed
        || data instanceof RollbackCompleted
        || data instanceof RollbackFailed) {
      finished = true;
    } else {
      return false;
    }
    return true;
  }

  /**
   * How often something was asked for ({@code gate.requested} or {@code approval.requested}), the
   * latest request, and when it was made.
   *
   * @param request the latest request's payload
   * @param asks how many requests there were
   * @param askedAt the time of the latest
   */
  public record Ask(EventPayload request, int asks, Instant askedAt) {
    Ask again(Ask later) {
      return new Ask(later.request, asks + later.asks, later.askedAt);
    }
  }

  /**
   * The waits that have a deadline: every gate requested whose verdict has not come, and every
   * approval step asked for and not approved, while the plan runs and nothing has failed yet.
   */
  public Map<String, Ask> openGates() {
    Map<String, Ask> open = new LinkedHashMap<>();
    if (!active() || failedGateId != null || cancelled) {
      return open;
    }
    gateAsks.forEach(
        (gateId, ask) -> {
          if (!gatesPassed.contains(gateId)) {
            open.put(gateId, ask);
          }
        });
    return open;
  }

  /** The approval steps asked for and neither approved nor ended, by step id. */
  public Map<String, Ask> openApprovals() {
    Map<String, Ask> open = new LinkedHashMap<>();
    if (!active() || cancelled) {
      return open;
    }
    approvalAsks.forEach(
        (stepId, ask) -> {
          StepRecord record = steps.get(stepId);
          boolean waiting = record != null ? !record.status.terminal() : failedGateId == null;
          if (waiting && !approved.contains(stepId)) {
            open.put(stepId, ask);
          }
        });
    return open;
  }

  /** Whether an id that was asked to be approved is an approval gate's (not a step's). */
  public boolean isApprovalGate(String id) {
    return !steps.containsKey(id) && approvalAsks.containsKey(id);
  }

  /**
   * What takes the place of a step's failure when its plan allows another attempt ({@link
   * PlanStep#retries}) and nothing else has failed the upgrade yet: the {@code step.retried} to
   * publish, after which the next decisions run the step again. Empty when the failure stands. The
   * attempts used are counted from the {@code step.retried} events folded, so a restarted executor
   * counts the same.
   */
  public Optional<StepRetried> retryOf(StepFailed failure) {
    StepRecord record = steps.get(failure.stepId());
    boolean failing =
        failedGateId != null
            || cancelled
            || steps.values().stream().anyMatch(r -> r.status == StepStatus.FAILED);
    if (record == null
        || record.status.terminal()
        || failing
        || record.step.action() == StepAction.APPROVE) {
      return Optional.empty();
    }
    int allowed = record.step.retriesOrZero() + 1;
    int next = record.retried + 2;
    if (next > allowed) {
      return Optional.empty();
    }
    PlanStep step = record.step;
    return Optional.of(
        new StepRetried(
            upgradeId,
            plan.platform(),
            step.id(),
            record.wave,
            step.component(),
            step.action(),
            next,
            allowed,
            failure.reason()));
  }

  /** The wave of a step of the plan. */
  public int waveOf(String stepId) {
    return steps.get(stepId).wave;
  }

  /** The step of the plan with this id. */
  public PlanStep step(String stepId) {
    return steps.get(stepId).step;
  }

  /**
   * Fails the upgrade closed because a gate gave no verdict in time, as a failed verdict would: the
   * next decisions end the upgrade with this reason (and so roll it back). Nothing is folded: the
   * {@code upgrade.failed} that follows records it.
   */
  public void expireGate(String gateId, String reason) {
    if (failedGateId == null && !gatesPassed.contains(gateId)) {
      failedGateId = gateId;
      failedGateReason = reason;
    }
  }

  /**
   * The steps that the decisions right after this upgrade's {@code upgrade.started} would run
   * ({@link #next(Instant)} as if it were folded); none once it has started. Changes nothing.
   */
  public List<Decision.RunStep> stepsOnceStarted(@Nullable Instant now) {
    if (started || plan == null || finished) {
      return List.of();
    }
    return nextOnceStarted(now).stream()
        .filter(Decision.RunStep.class::isInstance)
        .map(Decision.RunStep.class::cast)
        .toList();
  }

  /** What to do next, given every event folded so far, leaving the window out. */
  public List<Decision> next() {
    return next(null);
  }

  /**
   * What to do next, given every event folded so far and the time: an upgrade starts, and each of
   * its waves starts, only within its window ({@link Decision.AwaitWindow} before it opens, {@link
   * Decision.CloseWindow} once it has closed). A rollback ignores windows.
   *
   * @param now the time now; null to leave the window out
   */
  public List<Decision> next(@Nullable Instant now) {
    if (plan == null || finished) {
      return List.of();
    }
    if (!started) {
      // A plan cancelled before it started ends at once, with nothing to roll back.
      if (cancelled) {
        return List.of(new Decision.Finish(failure(null)));
      }
      Instant opens = window == null || now == null ? null : window.notBefore();
      return List.of(
          opens != null && now.isBefore(opens)
              ? new Decision.AwaitWindow(opens)
              : new Decision.Start());
    }
    return nextOnceStarted(now);
  }

  /** What to do next once the upgrade has started: its steps, gates, and end. */
  private List<Decision> nextOnceStarted(@Nullable Instant now) {
    Optional<StepRecord> failedStep =
        steps.values().stream().filter(r -> r.status == StepStatus.FAILED).findFirst();
    if (failedStep.isPresent() || failedGateId != null || cancelled) {
      // Steps whose intent is recorded finish first, so that the history holds their before-state.
      List<Decision> unfinished =
          steps.values().stream()
              .filter(r -> r.status == StepStatus.STARTED && r.step.action() != StepAction.APPROVE)
              .map(r -> (Decision) runStep(r))
              .toList();
      if (!unfinished.isEmpty()) {
        return unfinished;
      }
      return List.of(new Decision.Finish(failure(failedStep.orElse(null))));
    }
    if (paused || heldByWindow) {
      // A pause, or a closed window, starts nothing new; the steps whose intent is recorded finish.
      return steps.values().stream()
          .filter(r -> r.status == StepStatus.STARTED && r.step.action() != StepAction.APPROVE)
          .map(r -> (Decision) runStep(r))
          .toList();
    }
    for (Wave wave : plan.waves()) {
      Decision outsideWindow = outsideWindow(wave, now);
      if (outsideWindow != null) {
        return List.of(outsideWindow);
      }
      List<Decision> baselines = baselinesToCapture(wave);
      if (baselines != null) {
        return baselines;
      }
      List<Decision> decisions = new ArrayList<>();
      boolean stepsDone = true;
      Map<String, List<PlanStep>> byComponent = new LinkedHashMap<>();
      for (PlanStep step : wave.steps()) {
        byComponent.computeIfAbsent(step.component(), c -> new ArrayList<>()).add(step);
      }
      for (List<PlanStep> chain : byComponent.values()) {
        for (PlanStep step : chain) {
          StepRecord record = steps.get(step.id());
          if (record.status == StepStatus.SUCCEEDED) {
            continue;
          }
          stepsDone = false;
          if (step.action() == StepAction.APPROVE) {
            if (record.status == StepStatus.PENDING) {
              decisions.add(new Decision.RequestApproval(step, wave.index()));
            } else if (approved.contains(step.id())) {
              decisions.add(new Decision.CompleteApproval(step, wave.index()));
            }
          } else {
            decisions.add(runStep(record));
          }
          break;
        }
      }
      if (!stepsDone) {
        return decisions;
      }
      boolean gatesDone = true;
      for (PlannedGate gate : wave.gates()) {
        String gateId = gateId(wave.index(), gate);
        if (isApproval(gate)) {
          // a person's gate: asked for with approval.requested, passed by step.approved
          if (approved.contains(gateId)) {
            continue;
          }
          gatesDone = false;
          if (!approvalAsks.containsKey(gateId)) {
            decisions.add(new Decision.RequestGateApproval(gateId, wave.index(), gate));
          }
          continue;
        }
        if (gatesPassed.contains(gateId)) {
          continue;
        }
        gatesDone = false;
        if (!gatesRequested.contains(gateId)) {
          Instant since = waveStartedAt.getOrDefault(wave.index(), Instant.EPOCH);
          String baselineOf = plan.mode() == PlanMode.ROLLBACK ? plan.rollbackOf() : null;
          decisions.add(
              new Decision.RequestGate(
                  gateId, wave.index(), gate, since, GatePurpose.VERIFY, baselineOf));
        }
      }
      if (!gatesDone) {
        return decisions;
      }
    }
    return List.of(new Decision.Finish(success()));
  }

  /**
   * For a wave of an upgrade that has not started (no step started, no gate asked for), the wait
   * for its window to open, or the end of the window that closed before it; null when it may start.
   */
  private Decision outsideWindow(Wave wave, Instant now) {
    if (now == null || window == null || plan.mode() == PlanMode.ROLLBACK) {
      return null;
    }
    boolean waveStarted =
        wave.steps().stream().anyMatch(s -> steps.get(s.id()).status != StepStatus.PENDING)
            || wave.gates().stream()
                .map(g -> gateId(wave.index(), g))
                .anyMatch(id -> gatesRequested.contains(id) || approvalAsks.containsKey(id));
    if (waveStarted) {
      return null;
    }
    if (window.notBefore() != null && now.isBefore(window.notBefore())) {
      return new Decision.AwaitWindow(window.notBefore());
    }
    if (window.notAfter() != null && !now.isBefore(window.notAfter())) {
      return new Decision.CloseWindow(wave.index(), window.notAfter());
    }
    return null;
  }

  /**
   * Before a wave of an upgrade changes anything, the baselines its data-integrity gates compare
   * with: before the first wave, those of every gate of the plan that compares to one (so that the
   * rollback's verification, which compares with the state before the upgrade began, has one too);
   * before a later wave, those of its own gates. Null when none is missing (or the wave has
   * started: a wave's steps never wait for a capture once one of them ran); otherwise the requests
   * still to make, possibly none while the captures run.
   */
  private List<Decision> baselinesToCapture(Wave wave) {
    if (plan.mode() == PlanMode.ROLLBACK
        || wave.steps().stream().anyMatch(s -> steps.get(s.id()).status != StepStatus.PENDING)) {
      return null;
    }
    List<Wave> source = wave.index() == plan.waves().get(0).index() ? plan.waves() : List.of(wave);
    Map<String, PlannedGate> comparing = new LinkedHashMap<>();
    for (Wave w : source) {
      for (PlannedGate gate : w.gates()) {
        if (comparesToBaseline(gate)) {
          comparing.putIfAbsent(gate.name(), gate);
        }
      }
    }
    List<Decision> requests = new ArrayList<>();
    boolean missing = false;
    for (PlannedGate gate : comparing.values()) {
      String gateId = baselineGateId(wave.index(), gate);
      if (gatesPassed.contains(gateId)) {
        continue;
      }
      missing = true;
      if (!gatesRequested.contains(gateId)) {
        requests.add(
            new Decision.RequestGate(
                gateId, wave.index(), gate, Instant.EPOCH, GatePurpose.CAPTURE_BASELINE, null));
      }
    }
    return missing ? requests : null;
  }

  /** Whether a gate waits for a person's approval rather than a measurement. */
  public static boolean isApproval(PlannedGate gate) {
    return "approval".equals(gate.kind());
  }

  private static boolean comparesToBaseline(PlannedGate gate) {
    return gate.spec() != null
        && gate.spec().sql() != null
        && gate.spec().sql().compareToBaseline();
  }

  /** The id of a baseline capture before a wave: {@code b<wave>-<name>}. */
  public static String baselineGateId(int wave, PlannedGate gate) {
    return "b" + wave + "-" + gate.name();
  }

  /** The id of a gate in its wave: {@code w<wave>-<name>}. */
  public static String gateId(int wave, PlannedGate gate) {
    return "w" + wave + "-" + gate.name();
  }

  /** Every step that changed the cluster, with its before-states, in the order they ended. */
  public List<StepOutcome> history() {
    List<StepOutcome> history = new ArrayList<>();
    for (String stepId : changeOrder) {
      StepRecord record = steps.get(stepId);
      PlanStep step = record.step;
      boolean changed = !record.before.isEmpty() || record.snapshot != null;
      if (step.action() == StepAction.APPROVE || !changed) {
        continue;
      }
      history.add(
          new StepOutcome(
              step.id(),
              step.component(),
              step.action(),
              step.from(),
              step.to(),
              record.before,
              record.snapshot));
    }
    return history;
  }

  private Decision.RunStep runStep(StepRecord record) {
    List<ObjectState> prior = new ArrayList<>();
    for (String stepId : changeOrder) {
      StepRecord done = steps.get(stepId);
      if (done.step.component().equals(record.step.component())) {
        prior.addAll(done.before);
      }
    }
    return new Decision.RunStep(
        record.step, record.wave, record.attempts + 1, prior, record.startedBefore, record.retried);
  }

  private EventPayload success() {
    if (plan.mode() == PlanMode.ROLLBACK) {
      return new RollbackCompleted(upgradeId, rollbackOf(), plan.platform(), plan.versions());
    }
    return new UpgradeCompleted(upgradeId, plan.platform(), plan.versions());
  }

  private EventPayload failure(StepRecord failedStep) {
    String reason;
    if (failedStep != null) {
      reason = "step " + failedStep.step.id() + " failed: " + failedStep.reason;
    } else if (failedGateId != null) {
      reason = failedGateReason;
    } else {
      reason = cancelReason;
    }
    String failedStepId = failedStep == null ? null : failedStep.step.id();
    if (plan.mode() == PlanMode.ROLLBACK) {
      return new RollbackFailed(upgradeId, rollbackOf(), plan.platform(), reason, failedStepId);
    }
    return new UpgradeFailed(
        upgradeId,
        plan.platform(),
        reason,
        failedStepId,
        failedStep == null ? failedGateId : null,
        cancelled && failedStep == null && failedGateId == null,
        history());
  }

  private String rollbackOf() {
    return plan.rollbackOf() == null ? upgradeId : plan.rollbackOf();
  }

  /** The upgrade id a payload belongs to, or null for payloads outside any upgrade. */
  public static String upgradeIdOf(EventPayload data) {
    if (data instanceof PlanCreated p) {
      return p.plan().upgradeId();
    } else if (data instanceof UpgradePaused e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeResumed e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeWindowClosed e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeRescheduled e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeStarted e) {
      return e.upgradeId();
    } else if (data instanceof StepStarted e) {
      return e.upgradeId();
    } else if (data instanceof StepSucceeded e) {
      return e.upgradeId();
    } else if (data instanceof StepFailed e) {
      return e.upgradeId();
    } else if (data instanceof StepRetried e) {
      return e.upgradeId();
    } else if (data instanceof GateRequested e) {
      return e.upgradeId();
    } else if (data instanceof GatePassed e) {
      return e.upgradeId();
    } else if (data instanceof GateFailed e) {
      return e.upgradeId();
    } else if (data instanceof StepApproved e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeCancelled e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeCompleted e) {
      return e.upgradeId();
    } else if (data instanceof UpgradeFailed e) {
      return e.upgradeId();
    } else if (data instanceof RollbackCompleted e) {
      return e.upgradeId();
    } else if (data instanceof RollbackFailed e) {
      return e.upgradeId();
    } else if (data instanceof ApprovalRequested e) {
      return e.upgradeId();
    }
    return null;
  }

  private static final class StepRecord {
    final PlanStep step;
    final int wave;
    StepStatus status = StepStatus.PENDING;
    int attempts;
    int retried;
    List<ObjectState> startedBefore;
    List<ObjectState> before = List.of();
    String snapshot;
    String reason;

    StepRecord(PlanStep step, int wave) {
      this.step = step;
      this.wave = wave;
    }
  }
}
