package dev.lockstep.notifier.cdevents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import io.micronaut.core.annotation.Nullable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Lockstep's events as CDEvents 0.4.1 (docs/cdevents.md has the table and the reasons): a pure
 * function of the event and the plan the notifier has seen for its upgrade.
 *
 * <ul>
 *   <li>an upgrade or a rollback is a {@code pipelineRun} (id: the upgrade id; pipeline {@value
 *       #UPGRADE_PIPELINE} or {@value #ROLLBACK_PIPELINE}): {@code upgrade.started} is {@code
 *       pipelinerun.started}; {@code upgrade.completed} and {@code rollback.completed} are {@code
 *       pipelinerun.finished} with outcome {@code success}, {@code upgrade.failed} and {@code
 *       rollback.failed} with outcome {@code failure} and the reason as {@code errors};
 *   <li>every component a finished run changed is a {@code service} ({@code
 *       <platform>/<component>}) in the environment {@code <platform>}: {@code service.upgraded},
 *       {@code deployed} (new) or {@code removed} after an upgrade, {@code service.rolledback},
 *       {@code deployed} or {@code removed} after a rollback;
 *   <li>a gate run is a {@code testCaseRun} ({@code <upgrade>/<gate id>}) in the test suite run of
 *       the upgrade: {@code gate.requested} is {@code testcaserun.started}, {@code gate.passed} and
 *       {@code gate.failed} are {@code testcaserun.finished} with outcome {@code pass} or {@code
 *       fail}.
 * </ul>
 *
 * Every other event maps to nothing. A CDEvent's id is derived from the Lockstep event's id (and
 * the component, for the per-component events), so an event handled twice gives the same ids.
 */
public final class CdEventMapping {
  /** The CDEvents specification version the events follow. */
  public static final String SPEC_VERSION = "0.4.1";

  /** The pipeline name of an upgrade's run. */
  public static final String UPGRADE_PIPELINE = "lockstep-upgrade";

  /** The pipeline name of a rollback's run. */
  public static final String ROLLBACK_PIPELINE = "lockstep-rollback";

  static final String PIPELINE_STARTED = "dev.cdevents.pipelinerun.started.0.2.0";
  static final String PIPELINE_FINISHED = "dev.cdevents.pipelinerun.finished.0.2.0";
  static final String SERVICE_DEPLOYED = "dev.cdevents.service.deployed.0.2.0";
  static final String SERVICE_UPGRADED = "dev.cdevents.service.upgraded.0.2.0";
  static final String SERVICE_ROLLEDBACK = "dev.cdevents.service.rolledback.0.2.0";
  static final String SERVICE_REMOVED = "dev.cdevents.service.removed.0.2.0";
  static final String TEST_STARTED = "dev.cdevents.testcaserun.started.0.2.0";
  static final String TEST_FINISHED = "dev.cdevents.testcaserun.finished.0.2.0";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String sourceBase;
  private final String linkBase;

  /**
   * @param sourceBase the prefix of every source, {@code /lockstep} by default; the platform is
   *     appended
   * @param linkBase the base URL of the upgrade pages (the rca-recorder's API), without a trailing
   *     slash; empty for {@code urn:lockstep:upgrade:<id>} as a run's url
   */
  public CdEventMapping(String sourceBase, String linkBase) {
    this.sourceBase = stripSlash(sourceBase);
    this.linkBase = stripSlash(linkBase);
  }

  /** The CDEvents that tell an event, in the order they are sent; empty for most types. */
  public List<CdEvent> map(EventEnvelope event, @Nullable Plan plan) {
    String platform = event.platform();
    Object data = event.data();
    List<CdEvent> out = new ArrayList<>();
    if (data instanceof UpgradeStarted started) {
      boolean rollback = started.mode() == PlanMode.ROLLBACK;
      ObjectNode content = NODES.objectNode();
      content.put("pipelineName", rollback ? ROLLBACK_PIPELINE : UPGRADE_PIPELINE);
      content.put("url", url(started.upgradeId()));
      out.add(
          event(event, PIPELINE_STARTED, "pipelineRun", started.upgradeId(), content, plan, null));
    } else if (data instanceof UpgradeCompleted completed) {
      out.add(finished(event, completed.upgradeId(), UPGRADE_PIPELINE, null, plan));
      services(out, event, completed.versions(), false, plan);
    } else if (data instanceof UpgradeFailed failed) {
      String errors = (failed.cancelled() ? "cancelled: " : "") + failed.reason();
      out.add(finished(event, failed.upgradeId(), UPGRADE_PIPELINE, errors, plan));
    } else if (data instanceof RollbackCompleted completed) {
      out.add(finished(event, completed.upgradeId(), ROLLBACK_PIPELINE, null, plan));
      services(out, event, completed.versions(), true, plan);
    } else if (data instanceof RollbackFailed failed) {
      out.add(finished(event, failed.upgradeId(), ROLLBACK_PIPELINE, failed.reason(), plan));
    } else if (data instanceof GateRequested requested) {
      ObjectNode content = testContent(platform, requested.upgradeId());
      content.putObject("trigger").put("type", "pipeline");
      content.set(
          "testCase",
          testCase(requested.gateId(), requested.gate().name(), requested.gate().kind()));
      out.add(
          event(
              event,
              TEST_STARTED,
              "testCaseRun",
              requested.upgradeId() + "/" + requested.gateId(),
              content,
              plan,
              null));
    } else if (data instanceof GatePassed passed) {
      ObjectNode content = testContent(platform, passed.upgradeId());
      content.put("outcome", "pass");
      content.set("testCase", testCase(passed.gateId(), passed.gateName(), passed.kind()));
      out.add(
          event(
              event,
              TEST_FINISHED,
              "testCaseRun",
              passed.upgradeId() + "/" + passed.gateId(),
              content,
              plan,
              null));
    } else if (data instanceof GateFailed failed) {
      ObjectNode content = testContent(platform, failed.upgradeId());
      content.put("outcome", "fail");
      content.put("severity", "high");
      content.put("reason", failed.reason());
      content.set("testCase", testCase(failed.gateId(), failed.gateName(), failed.kind()));
      out.add(
          event(
              event,
              TEST_FINISHED,
              "testCaseRun",
              failed.upgradeId() + "/" + failed.gateId(),
              content,
              plan,
              null));
    }
    return out;
  }

  /** The source of a platform's CDEvents. */
  public String source(String platform) {
    return sourceBase + "/" + platform;
  }

  private CdEvent finished(
      EventEnvelope event,
      String runId,
      String pipeline,
      @Nullable String errors,
      @Nullable Plan plan) {
    ObjectNode content = NODES.objectNode();
    content.put("pipelineName", pipeline);
    content.put("url", url(runId));
    content.put("outcome", errors == null ? "success" : "failure");
    if (errors != null) {
      content.put("errors", errors);
    }
    return event(event, PIPELINE_FINISHED, "pipelineRun", runId, content, plan, null);
  }

  /** One service event per component the finished run changed, in the version table's order. */
  private void services(
      List<CdEvent> out,
      EventEnvelope event,
      List<VersionChange> versions,
      boolean rollback,
      @Nullable Plan plan) {
    for (VersionChange change : versions) {
      if (Objects.equals(change.from(), change.to())) {
        continue;
      }
      String type;
      if (change.to() == null) {
        type = SERVICE_REMOVED;
      } else if (change.from() == null) {
        type = SERVICE_DEPLOYED;
      } else {
        type = rollback ? SERVICE_ROLLEDBACK : SERVICE_UPGRADED;
      }
      ObjectNode content = NODES.objectNode();
      content.set("environment", environment(event.platform()));
      if (change.to() != null) {
        content.put("artifactId", artifactId(change.component(), change.to()));
      }
      out.add(
          event(
              event,
              type,
              "service",
              event.platform() + "/" + change.component(),
              content,
              plan,
              change));
    }
  }

  private CdEvent event(
      EventEnvelope event,
      String type,
      String subjectType,
      String subjectId,
      ObjectNode content,
      @Nullable Plan plan,
      @Nullable VersionChange change) {
    String source = source(event.platform());
    String id =
        EventEnvelope.derivedId(
            "cdevents", event.id(), type, change == null ? "" : change.component());
    ObjectNode root = NODES.objectNode();
    ObjectNode context = root.putObject("context");
    context.put("version", SPEC_VERSION);
    context.put("id", id);
    context.put("source", source);
    context.put("type", type);
    // Microseconds, as the outbox keeps the time: the CloudEvent's time equals the timestamp.
    Instant time = event.time().truncatedTo(ChronoUnit.MICROS);
    context.put("timestamp", time.toString());
    ObjectNode subject = root.putObject("subject");
    subject.put("id", subjectId);
    subject.put("source", source);
    subject.put("type", subjectType);
    subject.set("content", content);
    root.set("customData", customData(event, plan, change));
    root.put("customDataContentType", "application/json");
    return CdEvent.of(id, type, source, subjectId, time, event.platform(), root);
  }

  /**
   * What Lockstep adds: the event it tells, the upgrade, and the release when the plan is known.
   */
  private static ObjectNode customData(
      EventEnvelope event, @Nullable Plan plan, @Nullable VersionChange change) {
    ObjectNode custom = NODES.objectNode();
    custom.put("lockstepEventId", event.id());
    custom.put("lockstepEventType", event.type());
    custom.put("platform", event.platform());
    if (event.subject() != null) {
      custom.put("upgradeId", event.subject());
    }
    if (plan != null) {
      custom.put("mode", plan.mode().wire());
      if (plan.fromRelease() != null) {
        custom.put("fromRelease", plan.fromRelease());
      }
      if (plan.toRelease() != null) {
        custom.put("release", plan.toRelease());
      }
      if (plan.rollbackOf() != null) {
        custom.put("rollbackOf", plan.rollbackOf());
      }
    }
    if (event.data() instanceof RollbackCompleted completed) {
      custom.put("rollbackOf", completed.rollbackOf());
    } else if (event.data() instanceof RollbackFailed failed) {
      custom.put("rollbackOf", failed.rollbackOf());
    } else if (event.data() instanceof UpgradeStarted started && started.rollbackOf() != null) {
      custom.put("rollbackOf", started.rollbackOf());
    }
    if (change != null) {
      custom.put("component", change.component());
      if (change.layer() != null) {
        custom.put("layer", change.layer());
      }
      if (change.from() != null) {
        custom.put("fromVersion", change.from());
      }
      if (change.to() != null) {
        custom.put("toVersion", change.to());
      }
    }
    return custom;
  }

  private ObjectNode testContent(String platform, String upgradeId) {
    ObjectNode content = NODES.objectNode();
    content.set("environment", environment(platform));
    content.putObject("testSuiteRun").put("id", upgradeId).put("source", source(platform));
    return content;
  }

  private static ObjectNode testCase(String gateId, String name, String kind) {
    ObjectNode testCase = NODES.objectNode();
    testCase.put("id", gateId);
    testCase.put("name", name);
    // A Prometheus gate judges metrics against limits; the others check behaviour.
    testCase.put("type", "prometheus".equals(kind) ? "performance" : "functional");
    return testCase;
  }

  private ObjectNode environment(String platform) {
    ObjectNode environment = NODES.objectNode();
    environment.put("id", platform);
    environment.put("source", source(platform));
    return environment;
  }

  private String url(String upgradeId) {
    return linkBase.isEmpty()
        ? "urn:lockstep:upgrade:" + upgradeId
        : linkBase + "/api/v1/upgrades/" + upgradeId;
  }

  /** A package URL of a component at a version: {@code pkg:generic/<component>@<version>}. */
  static String artifactId(String component, String version) {
    return "pkg:generic/"
        + purlEncode(component.toLowerCase(Locale.ROOT))
        + "@"
        + purlEncode(version);
  }

  private static String purlEncode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String stripSlash(String text) {
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }
}
