package dev.lockstep.planner.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ReleasePublished;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.ManifestFiles;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.planning.UpgradeRequest;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlannerQueries;
import dev.lockstep.planner.platforms.PlatformView;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.security.PlatformAccess;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The planner's HTTP API (DESIGN section 6). A command is checked here (body, platform, release,
 * namespaces, whether its upgrade exists) and then written to {@code lockstep.requests} as the
 * event a platform service would have sent, so that the HTTP and Kafka paths share one queue, one
 * set of decisions and one crash story; the answer is 202 once the brokers have it. The preview
 * plans without writing anything.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class PlannerController {
  private static final String YAML = "application/yaml";
  private static final String[] ALL = {Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER};
  private static final Set<String> RETRYABLE = Set.of("failed", "rolled-back", "cancelled");
  private static final Set<String> UPGRADE_FIELDS =
      Set.of("platform", "release", "releaseRef", "upgradeId", "reason", "window");
  private static final Set<String> PREVIEW_FIELDS =
      Set.of("platform", "release", "current", "window");

  private final PlannerQueries queries;
  private final EventPublisher publisher;
  private final Clock clock;
  private final ManifestFiles files;

  /**
   * The controller.
   *
   * @param files where a release's {@code manifests: { file: ... }} references are read from
   */
  public PlannerController(
      PlannerQueries queries, EventPublisher publisher, Clock clock, ManifestFiles files) {
    this.queries = queries;
    this.publisher = publisher;
    this.clock = clock;
    this.files = files;
  }

  /** Requests an upgrade: a JSON request, or a release in YAML with {@code ?platform=}. */
  @Post("/upgrades")
  @Consumes({MediaType.APPLICATION_JSON, YAML, "application/x-yaml", "text/yaml"})
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> upgrade(
      @Body String body,
      @Header(value = "Content-Type", defaultValue = MediaType.APPLICATION_JSON) String contentType,
      @QueryValue(defaultValue = "") String platform,
      Authentication who) {
    List<ErrorDetail> errors = new ArrayList<>();
    String upgradeId = null;
    String reason = null;
    Window window = null;
    Release release = null;
    ReleaseRef ref = null;
    if (contentType.contains("yaml")) {
      if (platform.isBlank()) {
        throw ApiException.of(
            HttpStatus.UNPROCESSABLE_ENTITY,
            Codes.INVALID_REQUEST,
            "platform",
            "a YAML release needs ?platform=");
      }
      PlatformAccess.require(who, platform);
      release = RequestBodies.yamlRelease(body, files);
    } else {
      List<ErrorDetail> unknown = new ArrayList<>();
      JsonNode tree = RequestBodies.json(body, UPGRADE_FIELDS, unknown);
      platform = RequestBodies.text(tree, "platform", errors);
      PlatformAccess.require(who, platform);
      upgradeId = RequestBodies.optionalText(tree, "upgradeId", errors);
      reason = RequestBodies.optionalText(tree, "reason", errors);
      window = RequestBodies.window(tree, errors);
      ref = RequestBodies.releaseRef(tree, errors);
      JsonNode releaseNode = tree.get("release");
      if (releaseNode != null && !releaseNode.isNull()) {
        release = RequestBodies.release(releaseNode, "release", files, errors);
      } else if (ref == null && !errors.stream().anyMatch(e -> e.path().equals("releaseRef"))) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_REQUEST,
                "release",
                "give the release, or a releaseRef to the catalogue"));
      }
      RequestBodies.failOn(unknown, errors);
    }
    PlatformAccess.require(who, platform);
    allowedNamespaces(platform);
    if (release == null && ref != null) {
      release = catalogued(ref);
    }
    // the checks that hold whatever runs then (its charts render, its bundles stay in the
    // platform's namespaces): the plan itself is made when the request's turn comes
    PlanningResult check =
        UpgradePlanner.plan(queries.checkRequest(platform, release, window), clock);
    if (check instanceof PlanningResult.Rejected rejected) {
      List<ErrorDetail> lasting =
          rejected.errors().stream()
              .filter(e -> !e.code().equals(Codes.INCOMPATIBLE_INTERMEDIATE_STATE))
              .toList();
      RequestBodies.failOn(lasting);
    }
    String id = upgradeId == null || upgradeId.isBlank() ? "up-" + UUID.randomUUID() : upgradeId;
    if (queries.upgrade(id).isPresent()) {
      throw ApiException.of(
          HttpStatus.CONFLICT, Codes.CONFLICT, "upgradeId", "upgrade " + id + " exists already");
    }
    publish(
        platform,
        id,
        new UpgradeRequested(
            id, platform, ref == null ? release : null, ref, who.getName(), reason, window));
    return accepted(Map.of("upgradeId", id, "status", "queued"));
  }

  /** Plans without side effects, against the inventory or the body's {@code current}. */
  @Post("/plans/preview")
  @Consumes({MediaType.APPLICATION_JSON})
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> preview(@Body String body, Authentication who) {
    List<ErrorDetail> unknown = new ArrayList<>();
    JsonNode tree = RequestBodies.json(body, PREVIEW_FIELDS, unknown);
    List<ErrorDetail> errors = new ArrayList<>();
    String platform = RequestBodies.text(tree, "platform", errors);
    PlatformAccess.require(who, platform);
    Window window = RequestBodies.window(tree, errors);
    List<RunningComponent> current = RequestBodies.current(tree, errors);
    JsonNode releaseNode = tree.get("release");
    Release release = null;
    if (releaseNode == null || releaseNode.isNull()) {
      errors.add(new ErrorDetail(Codes.INVALID_REQUEST, "release", "release is required"));
    } else {
      release = RequestBodies.release(releaseNode, "release", files, errors);
    }
    RequestBodies.failOn(unknown, errors);
    PlatformAccess.require(who, platform);
    allowedNamespaces(platform);
    if (current == null) {
      requireObserved(platform, "pass the running components as current, or ");
    }
    UpgradeRequest request = queries.previewRequest(platform, release, current, window);
    PlanningResult result = UpgradePlanner.plan(request, clock);
    if (result instanceof PlanningResult.Rejected rejected) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, rejected.errors());
    }
    return json(HttpStatus.OK, queries.withLearnedDuration(platform, result.planOrThrow()));
  }

  /** Asks for the rollback of an upgrade. */
  @Post("/rollbacks")
  @Consumes({MediaType.APPLICATION_JSON})
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> rollback(@Body String body, Authentication who) {
    JsonNode tree = RequestBodies.json(body, Set.of("upgradeId", "reason"));
    List<ErrorDetail> errors = new ArrayList<>();
    String upgradeId = RequestBodies.text(tree, "upgradeId", errors);
    String reason = RequestBodies.optionalText(tree, "reason", errors);
    RequestBodies.failOn(errors);
    PlatformView.UpgradeSummary target = known(upgradeId);
    PlatformAccess.require(who, target.platform());
    EventEnvelope sent =
        publish(
            target.platform(),
            upgradeId,
            new RollbackRequested(upgradeId, target.platform(), who.getName(), reason));
    return accepted(Map.of("upgradeId", upgradeId, "rollbackId", "rb-" + sent.id()));
  }

  /** Cancels a queued or active upgrade. */
  @Post("/upgrades/{id}/cancel")
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> cancel(
      @PathVariable String id,
      @Body @io.micronaut.core.annotation.Nullable String body,
      Authentication who) {
    PlatformView.UpgradeSummary target = known(id);
    PlatformAccess.require(who, target.platform());
    if (!Set.of("queued", "scheduled", "paused").contains(target.status())) {
      throw conflict("upgrade " + id + " is " + target.status() + " and cannot be cancelled");
    }
    publish(
        target.platform(),
        id,
        new UpgradeCancelRequested(id, target.platform(), who.getName(), reason(body)));
    return accepted(Map.of("upgradeId", id, "status", "cancel-requested"));
  }

  /** Pauses a running upgrade before its next step. */
  @Post("/upgrades/{id}/pause")
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> pause(
      @PathVariable String id,
      @Body @io.micronaut.core.annotation.Nullable String body,
      Authentication who) {
    PlatformView.UpgradeSummary target = runningOrPaused(id, who, "scheduled", "paused");
    publish(
        target.platform(),
        id,
        new UpgradePauseRequested(id, target.platform(), who.getName(), reason(body)));
    return accepted(Map.of("upgradeId", id, "status", "pause-requested"));
  }

  /** Resumes a paused upgrade. */
  @Post("/upgrades/{id}/resume")
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> resume(
      @PathVariable String id,
      @Body @io.micronaut.core.annotation.Nullable String body,
      Authentication who) {
    PlatformView.UpgradeSummary target = runningOrPaused(id, who, "paused", "scheduled");
    publish(
        target.platform(),
        id,
        new UpgradeResumeRequested(id, target.platform(), who.getName(), reason(body)));
    return accepted(Map.of("upgradeId", id, "status", "resume-requested"));
  }

  /**
   * Requests the release of an upgrade that ended without completing (failed, rolled back or
   * cancelled) again, on the same platform, as a new upgrade: 202 with the new id; 409 while it has
   * not ended, once it completed, or for a rollback; 404 when unknown. The new request queues
   * behind whatever runs on the platform (the rollback of the failed upgrade, say).
   */
  @Post("/upgrades/{id}/retry")
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> retry(
      @PathVariable String id,
      @Body @io.micronaut.core.annotation.Nullable String body,
      Authentication who) {
    PlatformView.UpgradeSummary target = known(id);
    PlatformAccess.require(who, target.platform());
    String given = reason(body);
    if (!"upgrade".equals(target.mode()) || !RETRYABLE.contains(target.status())) {
      throw conflict(
          "upgrade "
              + id
              + " is "
              + ("upgrade".equals(target.mode()) ? target.status() : "a rollback")
              + ": only an upgrade that ended failed, rolled back or cancelled can be retried");
    }
    UpgradeRequested original =
        queries
            .request(id)
            .orElseThrow(
                () ->
                    conflict(
                        "the request of upgrade "
                            + id
                            + " is not known, so neither is its release"));
    String retryId = "up-" + UUID.randomUUID();
    publish(
        target.platform(),
        retryId,
        new UpgradeRequested(
            retryId,
            target.platform(),
            original.release(),
            original.releaseRef(),
            who.getName(),
            "retry of " + id + (given == null || given.isBlank() ? "" : ": " + given),
            null));
    return accepted(Map.of("upgradeId", retryId, "retryOf", id, "status", "queued"));
  }

  /**
   * The upgrade a pause or resume names, which must run ({@code scheduled}) or be paused: 404 when
   * unknown, 409 otherwise. Asking for what already holds is accepted and changes nothing.
   */
  private PlatformView.UpgradeSummary runningOrPaused(
      String id, Authentication who, String... statuses) {
    PlatformView.UpgradeSummary target = known(id);
    PlatformAccess.require(who, target.platform());
    if (!List.of(statuses).contains(target.status())) {
      throw conflict(
          "upgrade "
              + id
              + " is "
              + target.status()
              + ": only a running upgrade can be paused, and only a paused one resumed");
    }
    return target;
  }

  /** A 409 about the upgrade the path names ({@code id}). */
  private static ApiException conflict(String message) {
    return ApiException.of(HttpStatus.CONFLICT, Codes.CONFLICT, "id", message);
  }

  /** The optional {@code {"reason": ...}} of a command's body (cancel, pause, resume, retry). */
  private static String reason(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    List<ErrorDetail> errors = new ArrayList<>();
    String reason =
        RequestBodies.optionalText(RequestBodies.json(body, Set.of("reason")), "reason", errors);
    RequestBodies.failOn(errors);
    return reason;
  }

  /** Approves a step that waits for approval. */
  @Post("/upgrades/{id}/steps/{stepId}/approve")
  @Secured(Roles.APPROVER)
  public HttpResponse<String> approve(
      @PathVariable String id,
      @PathVariable String stepId,
      @Body @io.micronaut.core.annotation.Nullable String body,
      Authentication who) {
    PlatformView.UpgradeSummary target = known(id);
    PlatformAccess.require(who, target.platform());
    if (queries.policy().approvers(target.platform()).isPresent()
        && !queries.policy().isApprover(target.platform(), who.getName())) {
      throw ApiException.of(
          HttpStatus.FORBIDDEN,
          Codes.FORBIDDEN,
          "stepId",
          who.getName() + " is not an approver of platform " + target.platform());
    }
    String comment = null;
    if (body != null && !body.isBlank()) {
      List<ErrorDetail> errors = new ArrayList<>();
      comment =
          RequestBodies.optionalText(
              RequestBodies.json(body, Set.of("comment")), "comment", errors);
      RequestBodies.failOn(errors);
    }
    publish(
        target.platform(),
        id,
        new StepApprovalGranted(id, target.platform(), stepId, who.getName(), comment));
    return accepted(Map.of("upgradeId", id, "stepId", stepId, "status", "approval-submitted"));
  }

  /** A platform: inventory, active upgrade and queue. */
  @Get("/platforms/{platform}")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> platform(@PathVariable String platform, Authentication who) {
    PlatformAccess.require(who, platform);
    allowedNamespaces(platform);
    return json(HttpStatus.OK, queries.platform(platform));
  }

  /**
   * What the executor last observed on a platform: its components with their workloads, images,
   * replicas and annotations ({@code inventory.observed}); {@code lockstep inventory export} writes
   * it as a cluster file.
   */
  @Get("/platforms/{platform}/inventory")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> inventory(@PathVariable String platform, Authentication who) {
    PlatformAccess.require(who, platform);
    allowedNamespaces(platform);
    return json(
        HttpStatus.OK,
        queries
            .observedInventory(platform)
            .orElseThrow(
                () ->
                    ApiException.of(
                        HttpStatus.NOT_FOUND,
                        Codes.NOT_FOUND,
                        "platform",
                        "the executor has not observed platform " + platform + " yet")));
  }

  /**
   * Plans are made from what runs: before the executor has said what that is, a plan from the
   * planner's inventory would treat every component as new, so it is refused (409) rather than
   * shown.
   */
  private void requireObserved(String platform, String instead) {
    if (queries.observedInventory(platform).isEmpty()) {
      throw ApiException.of(
          HttpStatus.CONFLICT,
          Codes.CONFLICT,
          "platform",
          "the executor has not observed platform "
              + platform
              + " yet, so what runs there is unknown: "
              + instead
              + "try again once it has (GET /api/v1/platforms/"
              + platform
              + "/inventory answers)");
    }
  }

  /** Newer catalogued releases the platform can reach. */
  @Get("/platforms/{platform}/available-upgrades")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> available(@PathVariable String platform, Authentication who) {
    PlatformAccess.require(who, platform);
    allowedNamespaces(platform);
    requireObserved(platform, "");
    List<Map<String, Object>> list = new ArrayList<>();
    for (Release r : queries.availableUpgrades(platform)) {
      list.add(summary(r));
    }
    return json(HttpStatus.OK, Map.of("platform", platform, "releases", list));
  }

  /** Publishes a release to the catalogue (JSON or YAML). */
  @Post("/releases")
  @Consumes({MediaType.APPLICATION_JSON, YAML, "application/x-yaml", "text/yaml"})
  @Secured(Roles.SUBMITTER)
  public HttpResponse<String> publishRelease(
      @Body String body,
      @Header(value = "Content-Type", defaultValue = MediaType.APPLICATION_JSON) String contentType,
      Authentication who) {
    Release release =
        contentType.contains("yaml")
            ? RequestBodies.yamlRelease(body, files)
            : RequestBodies.release(RequestBodies.json(body), "", files);
    List<ErrorDetail> errors = PlannerCore.releaseErrors(release);
    RequestBodies.failOn(errors);
    publish("catalogue", null, new ReleasePublished(release, who.getName()));
    return accepted(summary(release));
  }

  /** The catalogue. */
  @Get("/releases")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> releases() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Release r : queries.releases()) {
      list.add(summary(r));
    }
    return json(HttpStatus.OK, Map.of("releases", list));
  }

  private static Map<String, Object> summary(Release r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("product", r.metadata().name());
    m.put("version", r.metadata().version());
    if (r.metadata().notes() != null) {
      m.put("notes", r.metadata().notes());
    }
    m.put("components", r.spec().components().size());
    return m;
  }

  private Release catalogued(ReleaseRef ref) {
    return queries.releases().stream()
        .filter(
            r ->
                r.metadata().name().equals(ref.product())
                    && r.metadata().version().equals(ref.version()))
        .findFirst()
        .orElseThrow(
            () ->
                ApiException.of(
                    HttpStatus.NOT_FOUND,
                    Codes.NOT_FOUND,
                    "releaseRef",
                    "release " + ref.product() + " " + ref.version() + " is not in the catalogue"));
  }

  private PlatformView.UpgradeSummary known(String id) {
    return queries
        .upgrade(id)
        .orElseThrow(
            () ->
                ApiException.of(
                    HttpStatus.NOT_FOUND,
                    Codes.NOT_FOUND,
                    "upgradeId",
                    "upgrade " + id + " is not known"));
  }

  private Set<String> allowedNamespaces(String platform) {
    return queries
        .policy()
        .namespaces(platform)
        .orElseThrow(
            () ->
                new ApiException(
                    HttpStatus.NOT_FOUND, List.of(PlannerCore.unknownPlatform(platform))));
  }

  private EventEnvelope publish(String platform, String subject, EventPayload payload) {
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(), PlannerCore.SERVICE, platform, subject, payload, null, clock);
    publisher.publishAndWait(event);
    return event;
  }

  private static HttpResponse<String> accepted(Object body) {
    return json(HttpStatus.ACCEPTED, body);
  }

  private static HttpResponse<String> json(HttpStatus status, Object body) {
    try {
      return HttpResponse.<String>status(status)
          .contentType(MediaType.APPLICATION_JSON_TYPE)
          .body(Json.mapper().writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the response", e);
    }
  }
}
