package dev.lockstep.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.lockstep.events.upcast.OptionalFieldAdded;
import dev.lockstep.events.upcast.ReleaseFormatV1ToV2;
import dev.lockstep.events.upcast.StepStartedV1ToV2;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.ReleasePublished;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event catalogue: every type with its topic, producer, consumers and versions, the upcasters
 * that bring old versions to the newest, and the checked-in JSON Schema of each version ({@code
 * schemas/<type>/v<N>.schema.json} on the class path).
 */
public final class EventCatalog {
  private static final EventCatalog STANDARD = standardBuilder().build();

  private final Map<String, EventType> byName;
  private final Map<Class<?>, EventType> byPayload;
  private final Map<String, Map<Integer, Upcaster>> upcasters;
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  private EventCatalog(Collection<EventType> types, Collection<Upcaster> upcasterList) {
    Map<String, EventType> names = new LinkedHashMap<>();
    Map<Class<?>, EventType> payloads = new LinkedHashMap<>();
    for (EventType type : types) {
      if (names.put(type.name(), type) != null) {
        throw new IllegalArgumentException("type registered twice: " + type.name());
      }
      if (payloads.put(type.payload(), type) != null) {
        throw new IllegalArgumentException("payload registered twice: " + type.payload());
      }
    }
    Map<String, Map<Integer, Upcaster>> chains = new LinkedHashMap<>();
    for (Upcaster upcaster : upcasterList) {
      EventType type = names.get(upcaster.type());
      if (type == null) {
        throw new IllegalArgumentException("upcaster for an unknown type: " + upcaster.type());
      }
      chains.computeIfAbsent(upcaster.type(), t -> new LinkedHashMap<>());
      chains.get(upcaster.type()).put(upcaster.fromVersion(), upcaster);
    }
    for (EventType type : names.values()) {
      for (int v = type.oldestSupported(); v < type.version(); v++) {
        if (!chains.getOrDefault(type.name(), Map.of()).containsKey(v)) {
          throw new IllegalArgumentException(
              "no upcaster from v" + v + " of " + type.name() + " to v" + (v + 1));
        }
      }
    }
    this.byName = Map.copyOf(names);
    this.byPayload = Map.copyOf(payloads);
    this.upcasters = Map.copyOf(chains);
  }

  /** The catalogue of every Lockstep type (DESIGN section 3). */
  public static EventCatalog standard() {
    return STANDARD;
  }

  /** A builder that starts with the standard types, for tests and extensions. */
  public static Builder standardBuilder() {
    Builder b = new Builder();
    String req = Topics.REQUESTS;
    String plans = Topics.PLANS;
    String exec = Topics.EXECUTION;
    String gates = Topics.GATES;
    String notes = Topics.NOTIFICATIONS;
    List<String> readersOfRequests = List.of("planner", "notifier", "rca-recorder");
    List<String> readersOfPlans = List.of("executor", "notifier", "rca-recorder");
    List<String> readersOfExecution = List.of("planner", "validator", "notifier", "rca-recorder");
    List<String> readersOfGates = List.of("executor", "notifier", "rca-recorder");
    List<String> readersOfNotifications = List.of("rca-recorder");
    // v3 (and release.published v3): a component of the release may say its retries (issue #16).
    b.type(
            new EventType(
                EventType.PREFIX + "upgrade.requested",
                req,
                3,
                1,
                UpgradeRequested.class,
                "platform service",
                readersOfRequests,
                "A platform service or a person asks for an upgrade to a release."))
        .upcaster(new ReleaseFormatV1ToV2(EventType.PREFIX + "upgrade.requested"))
        .upcaster(new OptionalFieldAdded(EventType.PREFIX + "upgrade.requested", 2));
    b.type(
        "rollback.requested",
        req,
        RollbackRequested.class,
        "platform service",
        readersOfRequests,
        "A person asks to roll an upgrade back.");
    b.type(
        "upgrade.cancel-requested",
        req,
        UpgradeCancelRequested.class,
        "platform service",
        readersOfRequests,
        "A person asks to cancel a queued or running upgrade.");
    b.type(
        "upgrade.pause-requested",
        req,
        UpgradePauseRequested.class,
        "platform service",
        readersOfRequests,
        "A person asks to pause a running upgrade before its next step.");
    b.type(
        "upgrade.resume-requested",
        req,
        UpgradeResumeRequested.class,
        "platform service",
        readersOfRequests,
        "A person asks to resume a paused upgrade.");
    b.type(
        "step.approval-granted",
        req,
        StepApprovalGranted.class,
        "platform service",
        readersOfRequests,
        "A person approves a step that waits for approval.");
    b.type(
            new EventType(
                EventType.PREFIX + "release.published",
                req,
                3,
                1,
                ReleasePublished.class,
                "platform service",
                readersOfRequests,
                "A release manifest enters the catalogue."))
        .upcaster(new ReleaseFormatV1ToV2(EventType.PREFIX + "release.published"))
        .upcaster(new OptionalFieldAdded(EventType.PREFIX + "release.published", 2));
    // v2 adds the plan's expected duration and each step's retries (issues #14 and #16).
    b.type(
            new EventType(
                EventType.PREFIX + "plan.created",
                plans,
                2,
                1,
                PlanCreated.class,
                "planner",
                readersOfPlans,
                "The planner's plan for an upgrade or a rollback: waves, steps, gates, risk,"
                    + " window, expected duration."))
        .upcaster(new OptionalFieldAdded("dev.lockstep.plan.created", 1));
    b.type(
        "plan.rejected",
        plans,
        PlanRejected.class,
        "planner",
        readersOfPlans,
        "A request that cannot be planned, with every error.");
    b.type(
        "upgrade.cancelled",
        plans,
        UpgradeCancelled.class,
        "planner",
        readersOfPlans,
        "A validated cancel of a queued or running upgrade.");
    b.type(
        "upgrade.paused",
        plans,
        UpgradePaused.class,
        "planner",
        readersOfPlans,
        "A validated pause: the running upgrade starts nothing new until it is resumed.");
    b.type(
        "upgrade.resumed",
        plans,
        UpgradeResumed.class,
        "planner",
        readersOfPlans,
        "A validated resume: the paused upgrade carries on from where it stopped.");
    b.type(
        "upgrade.rescheduled",
        plans,
        UpgradeRescheduled.class,
        "planner",
        readersOfPlans,
        "An upgrade held by its closed window gets the platform's next recurring window; it"
            + " carries on when the new window opens.");
    b.type(
        "step.approved",
        plans,
        StepApproved.class,
        "planner",
        readersOfPlans,
        "A validated approval of a step, by a person with the approver role.");
    // v2 adds release: the release the platform runs, as its workloads declare it.
    b.type(
            new EventType(
                EventType.PREFIX + "inventory.observed",
                exec,
                2,
                1,
                InventoryObserved.class,
                "executor",
                readersOfExecution,
                "What runs on a platform: components, versions, workloads, and the release when"
                    + " its workloads declare one."))
        .upcaster(new OptionalFieldAdded("dev.lockstep.inventory.observed", 1));
    b.type(
        "upgrade.started",
        exec,
        UpgradeStarted.class,
        "executor",
        readersOfExecution,
        "The executor starts a plan.");
    b.type(
        "upgrade.window-closed",
        exec,
        UpgradeWindowClosed.class,
        "executor",
        readersOfExecution,
        "The next wave would start after the window's notAfter: it is not started and the"
            + " upgrade is held until the platform's window policy decides.");
    // v2 adds the before-states read before acting (issue #4: a crash after a delete lost them).
    b.type(
            new EventType(
                EventType.PREFIX + "step.started",
                exec,
                2,
                1,
                StepStarted.class,
                "executor",
                readersOfExecution,
                "The executor records its intent to run a step, with the before-state of every"
                    + " object it will change, before it acts."))
        .upcaster(new StepStartedV1ToV2());
    b.type(
        "step.succeeded",
        exec,
        StepSucceeded.class,
        "executor",
        readersOfExecution,
        "A step is done, with the before-state of every object it changed.");
    b.type(
        "step.failed",
        exec,
        StepFailed.class,
        "executor",
        readersOfExecution,
        "A step failed, with the reason.");
    b.type(
        "step.retried",
        exec,
        StepRetried.class,
        "executor",
        readersOfExecution,
        "A step failed and has retries left: the executor runs it again (the attempt now starting,"
            + " of how many allowed, and why the last one failed).");
    // v2 adds baselineOf: a rollback's gates compare with the baseline of the upgrade it undoes.
    b.type(
            new EventType(
                EventType.PREFIX + "gate.requested",
                exec,
                2,
                1,
                GateRequested.class,
                "executor",
                readersOfExecution,
                "The executor asks the validator to evaluate a gate, or to capture the baseline a"
                    + " data-integrity gate compares with."))
        .upcaster(new OptionalFieldAdded("dev.lockstep.gate.requested", 1));
    b.type(
        "approval.requested",
        exec,
        ApprovalRequested.class,
        "executor",
        readersOfExecution,
        "A step waits for a person's approval.");
    b.type(
        "upgrade.completed",
        exec,
        UpgradeCompleted.class,
        "executor",
        readersOfExecution,
        "Every wave of an upgrade ran and passed its gates.");
    b.type(
        "upgrade.failed",
        exec,
        UpgradeFailed.class,
        "executor",
        readersOfExecution,
        "An upgrade stopped on a failed step or gate, or was cancelled; the history says what"
            + " changed.");
    b.type(
        "rollback.completed",
        exec,
        RollbackCompleted.class,
        "executor",
        readersOfExecution,
        "A rollback plan ran to its end; the platform is back.");
    b.type(
        "rollback.failed",
        exec,
        RollbackFailed.class,
        "executor",
        readersOfExecution,
        "A rollback plan could not finish; people must act.");
    b.type(
        "gate.measured",
        gates,
        GateMeasured.class,
        "validator",
        readersOfGates,
        "One measurement of a gate.");
    b.type(
        "availability.observed",
        gates,
        AvailabilityObserved.class,
        "prober",
        List.of("rca-recorder"),
        "What each component's health endpoint answered under a steady probe while an upgrade"
            + " ran: requests, failures, time unavailable.");
    b.type(
        "gate.passed",
        gates,
        GatePassed.class,
        "validator",
        readersOfGates,
        "A gate passed, with all its measurements.");
    b.type(
        "gate.failed",
        gates,
        GateFailed.class,
        "validator",
        readersOfGates,
        "A gate failed, with all its measurements and the reason.");
    b.type(
        "notification.delivered",
        notes,
        NotificationDelivered.class,
        "notifier",
        readersOfNotifications,
        "A team was told, on one channel.");
    b.type(
        "notification.failed",
        notes,
        NotificationFailed.class,
        "notifier",
        readersOfNotifications,
        "A channel could not be reached after every retry.");
    return b;
  }

  /** A builder for a catalogue of exactly the given types. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every type, in catalogue order. */
  public List<EventType> types() {
    return byName.values().stream().sorted(Comparator.comparing(EventType::name)).toList();
  }

  /** The type of a wire name, if known. */
  public Optional<EventType> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The type of a payload record; an error for a class not in the catalogue. */
  public EventType typeOf(Class<?> payloadClass) {
    EventType type = byPayload.get(payloadClass);
    if (type == null) {
      throw new IllegalArgumentException(payloadClass.getName() + " is not an event payload");
    }
    return type;
  }

  /** The upcaster from one version of a type, if any. */
  public Optional<Upcaster> upcaster(String type, int fromVersion) {
    return Optional.ofNullable(upcasters.getOrDefault(type, Map.of()).get(fromVersion));
  }

  /** The checked-in JSON Schema of one version of a type, compiled once. */
  public JsonSchema schema(EventType type, int version) {
    return schemas.computeIfAbsent(
        type.shortName() + ":" + version, key -> loadSchema(type, version));
  }

  /** The class-path resource of a schema. */
  public static String schemaResource(EventType type, int version) {
    return "schemas/" + type.shortName() + "/v" + version + ".schema.json";
  }

  private static JsonSchema loadSchema(EventType type, int version) {
    String resource = schemaResource(type, version);
    try (InputStream in = EventCatalog.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no schema checked in at " + resource);
      }
      JsonNode node = Json.mapper().readTree(in);
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** Assembles a catalogue; checks that every supported old version has its upcaster. */
  public static final class Builder {
    private final List<EventType> types = new ArrayList<>();
    private final List<Upcaster> upcasterList = new ArrayList<>();

    private Builder() {}

    /** Registers a type whose only version is v1. */
    public Builder type(
        String shortName,
        String topic,
        Class<? extends EventPayload> payload,
        String producer,
        List<String> consumers,
        String summary) {
      return type(
          new EventType(
              EventType.PREFIX + shortName, topic, 1, 1, payload, producer, consumers, summary));
    }

    /** Registers a type. */
    public Builder type(EventType type) {
      types.add(type);
      return this;
    }

    /** Registers an upcaster. */
    public Builder upcaster(Upcaster upcaster) {
      upcasterList.add(upcaster);
      return this;
    }

    /** The catalogue; an error when a version has no upcaster to the next. */
    public EventCatalog build() {
      return new EventCatalog(types, upcasterList);
    }
  }
}
