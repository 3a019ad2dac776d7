package dev.lockstep.planner.platforms;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.ReleasePublished;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.bundles.ChartRenderer;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.planning.ExpectedDuration;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.planning.UpgradeRequest;
import dev.lockstep.planner.rollback.RollbackPlanner;
import dev.lockstep.planner.rollback.RollbackRequest;
import dev.lockstep.planner.validation.ReleaseChecks;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The planner's decisions: given its state and one event, what it writes to {@code lockstep.plans}.
 * A request is folded into the state, then the platform's queue moves: a failed upgrade gets its
 * automatic rollback first, then the oldest queued request is planned once no upgrade is active. A
 * rollback requested for the active upgrade cancels it (its work is then rolled back from the
 * executor's {@code upgrade.failed}). Every decision is idempotent by its effect, so an event
 * delivered twice writes nothing twice. Access is serialised: one event at a time.
 *
 * <p>A request's charts are rendered ({@link ReleaseRendering}) before its plan is decided, so the
 * decisions only read rendered bundles; the requests for {@code RollbackPlanner} are read out of
 * the state by {@link RollbackInputs}, approvals are decided by {@link Approvals}, and the read
 * side for the HTTP API is {@link PlannerQueries}.
 */
public final class PlannerCore {
  /** The service name events carry. */
  public static final String SERVICE = "planner";

  private PlannerState state = new PlannerState();
  private final PlatformPolicy policy;
  private final Clock clock;
  private final EventCatalog catalog = EventCatalog.standard();

  private final ReleaseRendering rendering;
  private final PlannerQueries queries;
  private Function<ReleaseRef, Optional<Release>> catalogue = ref -> Optional.empty();

  /** A core with an empty state, which renders no Helm chart (each is an error). */
  public PlannerCore(PlatformPolicy policy, Clock clock) {
    this(policy, clock, new BundleResolver(ChartRenderer.NONE));
  }

  /** A core with an empty state that renders charts with the given resolver. */
  public PlannerCore(PlatformPolicy policy, Clock clock, BundleResolver bundles) {
    this.policy = policy;
    this.clock = clock;
    this.rendering = new ReleaseRendering(bundles);
    this.queries = new PlannerQueries(this, policy, clock, rendering);
  }

  /**
   * Where a release that a request names and this state has not seen is looked up: with several
   * planner instances, the one that decides for a platform may not own the partition the release
   * was published on (see {@code PlannerReadModel}). A release found there joins this state.
   */
  public synchronized void lookUpReleasesIn(Function<ReleaseRef, Optional<Release>> catalogue) {
    this.catalogue = catalogue;
  }

  /** Forgets everything (before a rebuild from the topics). */
  public synchronized void reset() {
    state = new PlannerState();
  }

  /** Folds an event read back at start: no decisions. */
  public synchronized void fold(EventEnvelope event) {
    fold(state, event);
  }

  /**
   * Replaces the state with one folded from {@code replay} (which feeds every event it reads to the
   * consumer it is given), built aside: until it is complete, queries and decisions see the former
   * state, never a half-read one. Nothing is decided.
   */
  public void rebuild(Consumer<Consumer<EventEnvelope>> replay) {
    PlannerState rebuilt = new PlannerState();
    replay.accept(event -> fold(rebuilt, event));
    synchronized (this) {
      state = rebuilt;
    }
  }

  private static void fold(PlannerState into, EventEnvelope event) {
    if (event.data() instanceof ReleasePublished p) {
      if (releaseErrors(p.release()).isEmpty()) {
        into.addRelease(p.release());
      }
      return;
    }
    into.apply(event);
  }

  /** Decides on one live event; returns the events to publish (already folded into the state). */
  public synchronized List<EventEnvelope> handle(EventEnvelope event) {
    List<EventEnvelope> out = new ArrayList<>();
    Object data = event.data();
    if (data instanceof ReleasePublished p) {
      List<ErrorDetail> errors = releaseErrors(p.release());
      if (errors.isEmpty()) {
        state.addRelease(p.release());
      } else {
        Release r = p.release();
        String name =
            r == null || r.metadata() == null
                ? "?"
                : r.metadata().name() + "@" + r.metadata().version();
        emit(
            out,
            event,
            event.platform(),
            new PlanRejected(
                "release/" + name,
                event.platform(),
                event.type(),
                event.id(),
                errors,
                p.publishedBy()));
      }
      return out;
    }
    if (data instanceof UpgradeCancelRequested c) {
      cancel(out, event, c);
      pump(out, event, c.platform());
      return out;
    }
    if (data instanceof UpgradePauseRequested p) {
      Pauses.pause(state, event, p).ifPresent(x -> emit(out, event, p.platform(), x));
      return out;
    }
    if (data instanceof UpgradeResumeRequested r) {
      Pauses.resume(state, event, r).ifPresent(x -> emit(out, event, r.platform(), x));
      return out;
    }
    if (data instanceof StepApprovalGranted a) {
      Approvals.decide(state, policy, event, a).ifPresent(p -> emit(out, event, a.platform(), p));
      return out;
    }
    state.apply(event);
    String platform = event.platform();
    if (data instanceof UpgradeRequested r) {
      platform = r.platform();
    } else if (data instanceof RollbackRequested r) {
      platform = r.platform();
    }
    if (platform != null) {
      pump(out, event, platform);
    }
    return out;
  }

  /** Moves every platform's queue (after a rebuild, for decisions a crash left unmade). */
  public synchronized List<EventEnvelope> pumpAll() {
    return pumpAll(platform -> true);
  }

  /**
   * Moves the queue of every platform this instance decides for (after a rebuild or when it comes
   * to own more partitions, for decisions a crash or the former owner left unmade).
   */
  public synchronized List<EventEnvelope> pumpAll(Predicate<String> decidesFor) {
    List<EventEnvelope> out = new ArrayList<>();
    Set<String> platforms = new LinkedHashSet<>();
    for (String p : policy.getPlatforms().keySet()) {
      platforms.add(p);
    }
    platforms.addAll(state.platforms());
    for (String p : platforms) {
      if (decidesFor.test(p)) {
        pump(out, null, p);
      }
    }
    return out;
  }

  private void pump(List<EventEnvelope> out, EventEnvelope cause, String platform) {
    for (int guard = 0; guard < 10_000; guard++) {
      Optional<UpgradeRecord> active = state.active(platform);
      if (active.isPresent()) {
        UpgradeRecord a = active.get();
        ClosedWindows.answer(a, policy, clock.instant())
            .ifPresent(answer -> emit(out, cause, platform, answer));
        for (UpgradeRecord q : state.queue(platform)) {
          if (a.upgradeId.equals(q.rollbackTarget) && !a.cancelEmitted) {
            emit(
                out,
                cause,
                platform,
                new UpgradeCancelled(
                    a.upgradeId,
                    platform,
                    q.requestedBy,
                    "rollback requested" + (q.reason == null ? "" : ": " + q.reason),
                    true));
          }
        }
        return;
      }
      List<UpgradeRecord> failing = state.awaitingRollback(platform);
      if (!failing.isEmpty()) {
        UpgradeRecord failed = failing.get(0);
        String id = PlannerState.automaticRollbackId(failed.upgradeId);
        planRollback(
            out,
            cause,
            id,
            failed,
            failed.failureHistory,
            "planner",
            "automatic rollback: " + failed.failureReason,
            null);
        continue;
      }
      List<UpgradeRecord> queue = state.queue(platform);
      if (queue.isEmpty()) {
        return;
      }
      UpgradeRecord head = queue.get(0);
      if (head.rollbackTarget != null) {
        requestedRollback(out, cause, head);
      } else if (awaitsInventory(platform)) {
        // the plan is made from what runs: until the executor has said what that is, the request
        // waits (planned against nothing, every component would look new and its rollback would
        // remove them); the platform's inventory.observed moves the queue again
        return;
      } else {
        Optional<Release> release = releaseToPlan(out, cause, head);
        if (release.isPresent()) {
          // rendered before the decision: Helm writes files, the decision only reads its result
          planUpgrade(out, cause, head, release.get(), rendering.render(release.get()));
        }
      }
    }
    throw new IllegalStateException("the queue of " + platform + " does not settle");
  }

  /**
   * Whether upgrades on a known platform wait for its first {@code inventory.observed}: the topics
   * hold requests and observations apart, so a request can be read before the inventory it is to be
   * planned against. An unknown platform is rejected at once instead.
   */
  private boolean awaitsInventory(String platform) {
    return policy.namespaces(platform).isPresent() && state.lastObserved(platform).isEmpty();
  }

  /**
   * The release a queued upgrade request is planned to: the one it carries (its shape checked) or
   * the catalogued one it names; empty, with the request rejected, when there is none to plan.
   */
  private Optional<Release> releaseToPlan(
      List<EventEnvelope> out, EventEnvelope cause, UpgradeRecord head) {
    UpgradeRequested r = head.request;
    String platform = head.platform;
    String type = catalog.typeOf(UpgradeRequested.class).name();
    if (policy.namespaces(platform).isEmpty()) {
      reject(out, cause, head, type, List.of(unknownPlatform(platform)));
      return Optional.empty();
    }
    Release release = r.release();
    if (release == null) {
      ReleaseRef ref = r.releaseRef();
      release = ref == null ? null : state.release(ref.product(), ref.version()).orElse(null);
      if (release == null && ref != null) {
        release = catalogue.apply(ref).orElse(null);
        if (release != null) {
          state.addRelease(release);
        }
      }
      if (release == null) {
        reject(
            out,
            cause,
            head,
            type,
            List.of(
                new ErrorDetail(
                    Codes.NOT_FOUND,
                    "releaseRef",
                    ref == null
                        ? "the request names no release (release or releaseRef)"
                        : "release "
                            + ref.product()
                            + " "
                            + ref.version()
                            + " is not in the catalogue")));
        return Optional.empty();
      }
    } else {
      List<ErrorDetail> shape =
          ReleaseParser.parse(Json.mapper().valueToTree(release), "release").errors();
      if (!shape.isEmpty()) {
        reject(out, cause, head, type, shape);
        return Optional.empty();
      }
    }
    return Optional.of(release);
  }

  /** Plans a queued upgrade request to its release, whose bundles and charts are rendered. */
  private void planUpgrade(
      List<EventEnvelope> out,
      EventEnvelope cause,
      UpgradeRecord head,
      Release release,
      Bundles rendered) {
    String platform = head.platform;
    String type = catalog.typeOf(UpgradeRequested.class).name();
    PlanningResult result =
        UpgradePlanner.plan(
            new UpgradeRequest(
                head.upgradeId,
                platform,
                release,
                state.inventory(platform),
                state.platformRelease(platform).orElse(null),
                windowOf(head),
                policy.namespaces(platform).orElseThrow(),
                "release",
                rendered,
                state.appliedBundles(platform),
                policy.gateReach(platform)),
            clock);
    if (result instanceof PlanningResult.Planned planned) {
      answer(out, head, new PlanCreated(learned(planned.plan()), head.requestedBy, head.reason));
    } else {
      reject(out, cause, head, type, ((PlanningResult.Rejected) result).errors());
    }
  }

  /** The plan with its expected duration from how long the platform's earlier steps took. */
  private Plan learned(Plan plan) {
    return plan.withExpectedDuration(
        ExpectedDuration.of(plan, state.typicalSteps(plan.platform())));
  }

  /**
   * The window a request is planned in: its own, or else the platform's next recurring window (none
   * when the platform has none).
   */
  private dev.lockstep.events.v1.Window windowOf(UpgradeRecord head) {
    return head.request.window() != null
        ? head.request.window()
        : policy.nextWindow(head.platform, clock.instant()).orElse(null);
  }

  private void requestedRollback(List<EventEnvelope> out, EventEnvelope cause, UpgradeRecord head) {
    String type = catalog.typeOf(RollbackRequested.class).name();
    Optional<UpgradeRecord> target = state.upgrade(head.rollbackTarget);
    if (target.isEmpty() || (!target.get().requested && target.get().plan == null)) {
      reject(
          out,
          cause,
          head,
          type,
          List.of(
              new ErrorDetail(
                  Codes.NOT_FOUND,
                  "upgradeId",
                  "upgrade "
                      + head.rollbackTarget
                      + " is not known on platform "
                      + head.platform)));
      return;
    }
    UpgradeRecord x = target.get();
    if (x.queued()) {
      emit(
          out,
          cause,
          head.platform,
          new UpgradeCancelled(
              x.upgradeId,
              head.platform,
              head.requestedBy,
              "rollback requested before it ran",
              false));
      reject(
          out,
          cause,
          head,
          type,
          List.of(
              new ErrorDetail(
                  Codes.CONFLICT,
                  "upgradeId",
                  "upgrade "
                      + x.upgradeId
                      + " never ran: it was cancelled instead of rolled back")));
      return;
    }
    if (!x.completed
        || x.plan == null
        || x.plan.mode() != dev.lockstep.events.v1.PlanMode.UPGRADE
        || state.rolledBack(x.upgradeId)) {
      reject(
          out,
          cause,
          head,
          type,
          List.of(
              new ErrorDetail(
                  Codes.CONFLICT,
                  "upgradeId",
                  "upgrade "
                      + x.upgradeId
                      + " is "
                      + x.status()
                      + (state.rolledBack(x.upgradeId) ? " and already rolled back" : "")
                      + "; only a completed upgrade can be rolled back on request (a failed one is rolled back automatically)")));
      return;
    }
    planRollback(out, cause, head.upgradeId, x, x.outcomes(), head.requestedBy, head.reason, head);
  }

  private void planRollback(
      List<EventEnvelope> out,
      EventEnvelope cause,
      String id,
      UpgradeRecord of,
      List<StepOutcome> history,
      String requestedBy,
      String reason,
      UpgradeRecord request) {
    String platform = of.platform;
    RollbackRequest rr = RollbackInputs.of(state, id, of, history);
    PlanningResult result = RollbackPlanner.plan(rr);
    if (result instanceof PlanningResult.Planned planned) {
      PlanCreated created = new PlanCreated(learned(planned.plan()), requestedBy, reason);
      if (request != null) {
        answer(out, request, created);
      } else {
        emit(out, cause, platform, created);
      }
    } else {
      String type = catalog.typeOf(RollbackRequested.class).name();
      PlanRejected rejected =
          new PlanRejected(
              id,
              platform,
              type,
              request == null ? null : request.requestEventId,
              ((PlanningResult.Rejected) result).errors(),
              requestedBy);
      if (request != null) {
        answer(out, request, rejected);
      } else {
        emit(out, cause, platform, rejected);
      }
    }
  }

  private void cancel(List<EventEnvelope> out, EventEnvelope event, UpgradeCancelRequested c) {
    String type = event.type();
    Optional<UpgradeRecord> target = state.upgrade(c.upgradeId());
    if (target.isEmpty() || !c.platform().equals(target.get().platform)) {
      emit(
          out,
          event,
          c.platform(),
          new PlanRejected(
              c.upgradeId(),
              c.platform(),
              type,
              event.id(),
              List.of(
                  new ErrorDetail(
                      Codes.NOT_FOUND,
                      "upgradeId",
                      "upgrade " + c.upgradeId() + " is not known on platform " + c.platform())),
              c.requestedBy()));
      return;
    }
    UpgradeRecord x = target.get();
    if (x.cancelEmitted) {
      return;
    }
    if (x.queued() || x.active()) {
      emit(
          out,
          event,
          c.platform(),
          new UpgradeCancelled(x.upgradeId, c.platform(), c.requestedBy(), c.reason(), x.active()));
      return;
    }
    emit(
        out,
        event,
        c.platform(),
        new PlanRejected(
            c.upgradeId(),
            c.platform(),
            type,
            event.id(),
            List.of(
                new ErrorDetail(
                    Codes.CONFLICT,
                    "upgradeId",
                    "upgrade " + c.upgradeId() + " is " + x.status() + " and cannot be cancelled")),
            c.requestedBy()));
  }

  private void reject(
      List<EventEnvelope> out,
      EventEnvelope cause,
      UpgradeRecord head,
      String type,
      List<ErrorDetail> errors) {
    answer(
        out,
        head,
        new PlanRejected(
            head.upgradeId, head.platform, type, head.requestEventId, errors, head.requestedBy));
  }

  /**
   * The plan or rejection that answers a request: its cause is the request, whatever event let the
   * queue move (a producer waits for the answer by its causation), and it continues the request's
   * trace.
   */
  private void answer(List<EventEnvelope> out, UpgradeRecord head, EventPayload payload) {
    EventEnvelope drafted =
        EventEnvelope.create(
            catalog, SERVICE, head.platform, subjectOf(payload), payload, null, clock);
    EventEnvelope e =
        new EventEnvelope(
            drafted.id(),
            drafted.source(),
            drafted.type(),
            drafted.version(),
            drafted.subject(),
            drafted.time(),
            drafted.platform(),
            head.requestEventId,
            head.requestTraceparent,
            payload);
    state.apply(e);
    out.add(e);
  }

  private void emit(
      List<EventEnvelope> out, EventEnvelope cause, String platform, EventPayload payload) {
    String subject = subjectOf(payload);
    EventEnvelope e =
        EventEnvelope.create(
            catalog,
            SERVICE,
            platform == null || platform.isBlank() ? "unknown" : platform,
            subject,
            payload,
            cause,
            clock);
    state.apply(e);
    out.add(e);
  }

  private static String subjectOf(EventPayload payload) {
    if (payload instanceof PlanCreated c) {
      return c.plan().upgradeId();
    }
    if (payload instanceof PlanRejected r) {
      return r.upgradeId();
    }
    if (payload instanceof UpgradeCancelled c) {
      return c.upgradeId();
    }
    if (payload instanceof StepApproved a) {
      return a.upgradeId();
    }
    if (payload instanceof UpgradePaused p) {
      return p.upgradeId();
    }
    if (payload instanceof UpgradeResumed r) {
      return r.upgradeId();
    }
    if (payload instanceof UpgradeRescheduled r) {
      return r.upgradeId();
    }
    return null;
  }

  /** An error for a platform that is not configured. */
  public static ErrorDetail unknownPlatform(String platform) {
    return new ErrorDetail(
        Codes.NOT_FOUND,
        "platform",
        "platform '"
            + platform
            + "' is not configured (lockstep.platforms."
            + platform
            + ".namespaces)");
  }

  /** Every problem of a release, its shape included. */
  public static List<ErrorDetail> releaseErrors(Release release) {
    if (release == null) {
      return List.of(new ErrorDetail(Codes.INVALID_MANIFEST, "release", "the release is missing"));
    }
    JsonNode tree = Json.mapper().valueToTree(release);
    List<ErrorDetail> shape = ReleaseParser.parse(tree, "release").errors();
    if (!shape.isEmpty()) {
      return shape;
    }
    return ReleaseChecks.check(release, "release");
  }

  // ---- the read side

  /** The queries over this core's state (for the HTTP API). */
  public PlannerQueries queries() {
    return queries;
  }

  /** Shorthand for {@code queries().platform(platform)} (what the tests inspect). */
  public PlatformView platform(String platform) {
    return queries.platform(platform);
  }

  /** Shorthand for {@code queries().previewRequest(...)}. */
  public UpgradeRequest previewRequest(
      String platform,
      Release release,
      List<dev.lockstep.planner.model.RunningComponent> current,
      dev.lockstep.events.v1.Window window) {
    return queries.previewRequest(platform, release, current, window);
  }

  /** Runs a query on the state, serialised with the decisions. */
  /** A release of the catalogue. */
  public synchronized Optional<Release> catalogued(ReleaseRef ref) {
    return state.release(ref.product(), ref.version());
  }

  synchronized <T> T read(Function<PlannerState, T> query) {
    return query.apply(state);
  }
}
