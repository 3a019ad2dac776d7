package dev.lockstep.recorder.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.projection.ViewJson;
import dev.lockstep.recorder.report.Availability;
import dev.lockstep.recorder.report.PostMortem;
import dev.lockstep.recorder.report.Timeline;
import dev.lockstep.recorder.store.NoteStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.recorder.store.StoredEvent;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.PlatformAccess;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The recorder's API (DESIGN sections 6 and 9): upgrades and their status and version table, their
 * events in log order, timeline, post-mortem (Markdown or HTML) and notes. A thin adapter over the
 * projection table, the event table and the pure report builders.
 */
@Controller("/api/v1/upgrades")
@ExecuteOn(TaskExecutors.BLOCKING)
public class UpgradesController {
  static final MediaType MARKDOWN = MediaType.of("text/markdown");
  private static final int MAX_LIST = 1000;
  private static final int MAX_NOTE = 10_000;

  private final ProjectionStore projections;
  private final Projector projector;
  private final NoteStore notes;
  private final Clock clock;
  private final String traceViewer;

  /**
   * @param traceViewer a trace's URL in the operators' trace viewer, {@code {traceId}} in it
   *     ({@code lockstep.tracing.viewer-url}), which the post-mortem links; blank for none
   */
  public UpgradesController(
      ProjectionStore projections,
      Projector projector,
      NoteStore notes,
      Clock clock,
      @Value("${lockstep.tracing.viewer-url:}") String traceViewer) {
    this.traceViewer = traceViewer;
    this.projections = projections;
    this.projector = projector;
    this.notes = notes;
    this.clock = clock;
  }

  /** Upgrades, newest activity first, filtered by platform, status and mode. */
  @Get
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> list(
      @QueryValue @Nullable String platform,
      @QueryValue @Nullable String status,
      @QueryValue @Nullable String mode,
      @QueryValue @Nullable Integer limit,
      Authentication who) {
    if (status != null) {
      try {
        UpgradeStatus.fromWire(status);
      } catch (IllegalArgumentException e) {
        throw ApiException.of(HttpStatus.BAD_REQUEST, "invalid-request", "status", e.getMessage());
      }
    }
    if (mode != null && !mode.equals("upgrade") && !mode.equals("rollback")) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST, "invalid-request", "mode", "mode is upgrade or rollback");
    }
    int max = limit == null ? 100 : limit;
    if (max < 1 || max > MAX_LIST) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST, "invalid-request", "limit", "limit is 1 to " + MAX_LIST);
    }
    return json(
        projections.list(platform, status, mode, max).stream()
            .filter(v -> PlatformAccess.allows(who, v.platform()))
            .toList());
  }

  /** One upgrade: its status, version table, steps (with who asked and why), gates, notices. */
  @Get("/{id}")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> get(@PathVariable String id, Authentication who) {
    return json(view(id, who));
  }

  /** Its CloudEvents (and its rollbacks'), in log order. */
  @Get("/{id}/events")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> events(@PathVariable String id, Authentication who) {
    view(id, who);
    List<StoredEvent> story = story(id);
    ArrayNode array = ViewJson.mapper().createArrayNode();
    for (StoredEvent event : story) {
      array.add(event.cloudEvent());
    }
    return json(array);
  }

  /** Its phases with their durations. */
  @Get("/{id}/timeline")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> timeline(@PathVariable String id, Authentication who) {
    view(id, who);
    return json(Timeline.of(id, envelopes(story(id))));
  }

  /** Its post-mortem: Markdown unless HTML is asked for ({@code ?format=html} or Accept). */
  @Get("/{id}/postmortem")
  @Produces({"text/markdown", MediaType.TEXT_HTML})
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> postmortem(
      @PathVariable String id,
      @QueryValue @Nullable String format,
      @Header(HttpHeaders.ACCEPT) @Nullable String accept,
      Authentication who) {
    boolean html;
    if (format != null) {
      if (!format.equals("html") && !format.equals("markdown")) {
        throw ApiException.of(
            HttpStatus.BAD_REQUEST, "invalid-request", "format", "format is markdown or html");
      }
      html = format.equals("html");
    } else {
      html = accept != null && accept.contains(MediaType.TEXT_HTML);
    }
    UpgradeView view = view(id, who);
    List<EventEnvelope> story = envelopes(story(id));
    PostMortem report =
        PostMortem.of(view, Timeline.of(id, story), notes.of(id), Availability.of(view, story))
            .withTraceViewer(traceViewer);
    return html
        ? HttpResponse.ok(report.html()).contentType(MediaType.TEXT_HTML + ";charset=utf-8")
        : HttpResponse.ok(report.markdown()).contentType(MARKDOWN + ";charset=utf-8");
  }

  /** Its notes, oldest first. */
  @Get("/{id}/notes")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> notes(@PathVariable String id, Authentication who) {
    view(id, who);
    return json(notes.of(id));
  }

  /**
   * Adds a note ({@code {"text": "..."}}, read strictly: no other field); its author is the caller.
   * Writing a note into the record of an upgrade needs {@code submitter}; every role reads them.
   */
  @Post(value = "/{id}/notes", consumes = MediaType.APPLICATION_JSON)
  @Secured({Roles.SUBMITTER})
  public HttpResponse<String> addNote(
      @PathVariable String id, @Body String body, Authentication caller) {
    JsonNode node;
    try {
      node = ViewJson.mapper().readTree(body);
    } catch (java.io.IOException e) {
      throw ApiException.of(HttpStatus.BAD_REQUEST, "invalid-request", "", "the body is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST, "invalid-request", "", "the body must be {\"text\": \"...\"}");
    }
    List<ErrorDetail> errors = new ArrayList<>();
    node.fieldNames()
        .forEachRemaining(
            field -> {
              if (!field.equals("text")) {
                errors.add(
                    new ErrorDetail(
                        "invalid-request",
                        field,
                        "a note has only a text; '" + field + "' is not a field of a note"));
              }
            });
    JsonNode text = node.get("text");
    if (text == null || !text.isTextual() || text.asText().isBlank()) {
      errors.add(new ErrorDetail("invalid-request", "text", "a note needs a non-empty text"));
    } else if (text.asText().indexOf('\u0000') >= 0) {
      errors.add(new ErrorDetail("invalid-request", "text", "a note cannot hold a NUL character"));
    } else if (text.asText().length() > MAX_NOTE) {
      errors.add(
          new ErrorDetail(
              "invalid-request", "text", "a note holds at most " + MAX_NOTE + " characters"));
    }
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, errors);
    }
    view(id, caller);
    NoteStore.Note note = notes.add(id, caller.getName(), text.asText(), clock.instant());
    return HttpResponse.<String>status(HttpStatus.CREATED)
        .body(ViewJson.write(note))
        .contentType(MediaType.APPLICATION_JSON);
  }

  /** The upgrade, when the caller may see its platform (403 otherwise, 404 when unknown). */
  private UpgradeView view(String id, Authentication who) {
    UpgradeView view = view(id);
    PlatformAccess.require(who, view.platform());
    return view;
  }

  private UpgradeView view(String id) {
    return projections
        .find(id)
        .orElseThrow(
            () ->
                ApiException.of(
                    HttpStatus.NOT_FOUND,
                    "not-found",
                    "upgradeId",
                    "no upgrade " + id + " is recorded"));
  }

  private List<StoredEvent> story(String id) {
    List<StoredEvent> story = projector.story(id);
    if (story.isEmpty()) {
      throw ApiException.of(
          HttpStatus.NOT_FOUND, "not-found", "upgradeId", "no upgrade " + id + " is recorded");
    }
    return story;
  }

  static List<EventEnvelope> envelopes(List<StoredEvent> story) {
    List<EventEnvelope> envelopes = new ArrayList<>(story.size());
    for (StoredEvent event : story) {
      envelopes.add(event.envelope());
    }
    return envelopes;
  }

  static HttpResponse<String> json(Object value) {
    String body =
        value instanceof ObjectNode || value instanceof ArrayNode
            ? value.toString()
            : ViewJson.write(value);
    return HttpResponse.ok(body).contentType(MediaType.APPLICATION_JSON);
  }
}
