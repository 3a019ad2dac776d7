package dev.lockstep.console.live;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Csrf;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An upgrade's page, live: rendered from the recorder's view and events, then kept current by a
 * stream ({@code /upgrades/{id}/stream}, server-sent events that htmx swaps in) that asks the
 * recorder every {@code lockstep.console.poll-interval} from Reactor's timer, without blocking a
 * thread, and sends the re-rendered part whenever the upgrade's event count grew. The event id is
 * that count, so a reconnecting browser (Last-Event-ID) gets only what it has not seen. Also the
 * post-mortem and timeline page and the approve action.
 */
@Controller("/upgrades")
@Secured(SecurityRule.IS_ANONYMOUS)
public class UpgradePage {
  private final Sessions sessions;
  private final ServiceApis apis;
  private final Duration pollInterval;

  public UpgradePage(
      Sessions sessions,
      ServiceApis apis,
      @Value("${lockstep.console.poll-interval:500ms}") Duration pollInterval) {
    this.sessions = sessions;
    this.apis = apis;
    this.pollInterval = pollInterval;
  }

  /** The page. */
  @Get("/{id}")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> upgrade(HttpRequest<?> request, @PathVariable String id) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    String path = "/api/v1/upgrades/" + ServiceApis.encode(id);
    ServiceApis.Answer view = apis.recorder(session.token(), path);
    if (view.status() == 404) {
      // not recorded (yet): 404, but the page waits for a first event through its stream, as an
      // upgrade just submitted reaches the recorder a moment after the planner has accepted it
      JsonNode none = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      String waiting = UpgradeRendering.live(session, none, none);
      return Layout.html(
          HttpStatus.NOT_FOUND,
          Layout.page("Upgrade " + id, session, UpgradeRendering.page(id, none, waiting)));
    }
    if (!view.ok()) {
      return refused(session, "Upgrade " + id, view);
    }
    ServiceApis.Answer events = apis.recorder(session.token(), path + "/events");
    String live = UpgradeRendering.live(session, view.json(), events.json());
    return Layout.ok("Upgrade " + id, session, UpgradeRendering.page(id, view.json(), live));
  }

  /** The live part, as server-sent events named {@code state}. */
  @Get("/{id}/stream")
  @Produces(MediaType.TEXT_EVENT_STREAM)
  public Publisher<Event<String>> stream(
      HttpRequest<?> request,
      @PathVariable String id,
      @Nullable @Header("Last-Event-ID") String lastEventId) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Flux.empty();
    }
    String sessionId = found.get().id();
    String path = "/api/v1/upgrades/" + ServiceApis.encode(id);
    AtomicInteger seen = new AtomicInteger(parse(lastEventId));
    return Flux.interval(Duration.ZERO, pollInterval)
        // a tick while the recorder has not answered the last one is skipped, not queued
        .onBackpressureDrop()
        .map(tick -> sessions.find(sessionId))
        .takeWhile(Optional::isPresent)
        .map(Optional::get)
        .concatMap(
            session ->
                Mono.fromFuture(apis.recorderAsync(session.token(), path))
                    .filter(
                        view -> view.ok() && view.json().path("eventCount").asInt() > seen.get())
                    .flatMap(
                        view ->
                            Mono.fromFuture(apis.recorderAsync(session.token(), path + "/events"))
                                .map(events -> render(session, view.json(), events.json(), seen))),
            1);
  }

  private static Event<String> render(
      Session session, JsonNode view, JsonNode events, AtomicInteger seen) {
    int count = view.path("eventCount").asInt();
    seen.set(count);
    // one SSE data line: the fragment holds no line breaks of its own
    String html = UpgradeRendering.live(session, view, events).replace("\r", "").replace('\n', ' ');
    return Event.of(html).name("state").id(Integer.toString(count));
  }

  /** The post-mortem (the recorder's HTML, sandboxed) and the timeline. */
  @Get("/{id}/postmortem")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> postmortem(HttpRequest<?> request, @PathVariable String id) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    String path = "/api/v1/upgrades/" + ServiceApis.encode(id);
    ServiceApis.Answer report =
        apis.recorderHtml(session.token(), path + "/postmortem?format=html");
    if (report.status() < 200 || report.status() >= 300) {
      return refused(session, "Post-mortem " + id, report);
    }
    ServiceApis.Answer timeline = apis.recorder(session.token(), path + "/timeline");
    StringBuilder body = new StringBuilder();
    body.append("<h1>Post-mortem <span class=\"id\">")
        .append(text(id))
        .append("</span></h1><nav class=\"sub\" aria-label=\"upgrade\"><a href=\"/upgrades/")
        .append(segment(id))
        .append("\">Back to the upgrade</a> · <a href=\"/upgrades/")
        .append(segment(id))
        .append("/replay\">Replay it at a chosen speed</a></nav>");
    body.append("<h2>Timeline</h2>").append(timeline(timeline));
    body.append(dev.lockstep.console.afterwards.NotesPage.section(apis, session, id));
    // the recorder's HTML (escaped by the recorder) in a sandbox without scripts, forms, popups
    // or navigation: whatever an event carried, nothing in it can run or act; the frame is of the
    // console's origin only so that it renders and inherits the page's CSP
    body.append("<h2>Report</h2><iframe class=\"postmortem\" title=\"post-mortem of ")
        .append(text(id))
        .append("\" sandbox=\"allow-same-origin\" srcdoc=\"")
        .append(text(report.text()))
        .append("\"></iframe>");
    return Layout.ok("Post-mortem " + id, session, body.toString());
  }

  private static String timeline(ServiceApis.Answer answer) {
    if (!answer.ok()) {
      return "<p>No timeline: " + text(String.join("; ", answer.errors())) + "</p>";
    }
    StringBuilder html =
        new StringBuilder(
            "<table class=\"timeline\"><thead><tr><th scope=\"col\">phase</th>"
                + "<th scope=\"col\">upgrade</th><th scope=\"col\">start</th>"
                + "<th scope=\"col\">duration</th><th scope=\"col\">outcome</th></tr></thead><tbody>");
    for (JsonNode p : answer.json().path("phases")) {
      html.append("<tr><td>")
          .append(text(p.path("name").asText()))
          .append("</td><td>")
          .append(text(p.path("upgradeId").asText()))
          .append("</td><td>")
          .append(dev.lockstep.console.pages.Html.time(p.path("start").asText()))
          .append("</td><td>")
          .append(text(p.path("duration").asText("running")))
          .append("</td><td>")
          .append(dev.lockstep.console.pages.Html.state(p.path("outcome").asText()))
          .append("</td></tr>");
    }
    return html.append("</tbody></table>").toString();
  }

  /** The approve confirmation: what will be approved, and a button that does it. */
  @Get("/{id}/approve/{stepId}")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> confirmApprove(
      HttpRequest<?> request, @PathVariable String id, @PathVariable String stepId) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    StringBuilder body = new StringBuilder();
    body.append("<h1>Approve?</h1><p>Approve step <strong>")
        .append(text(stepId))
        .append("</strong> of upgrade <a href=\"/upgrades/")
        .append(segment(id))
        .append("\">")
        .append(text(id))
        .append("</a>? The upgrade goes on at once.</p>");
    if (!session.has("approver")) {
      body.append("<p class=\"error\" role=\"alert\">Your token has no approver role.</p>");
      return Layout.html(HttpStatus.FORBIDDEN, Layout.page("Approve", session, body.toString()));
    }
    body.append("<form method=\"post\" action=\"/upgrades/")
        .append(segment(id))
        .append("/approve/")
        .append(segment(stepId))
        .append("\">")
        .append(Layout.csrf(session))
        .append("<button type=\"submit\" id=\"confirm\">Yes, approve</button> <a href=\"/upgrades/")
        .append(segment(id))
        .append("\">No, go back</a></form>");
    return Layout.ok("Approve", session, body.toString());
  }

  /** Approves, and shows the planner's answer. */
  @Post("/{id}/approve/{stepId}")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> approve(
      HttpRequest<?> request,
      @PathVariable String id,
      @PathVariable String stepId,
      @Body Map<String, String> form) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    if (!Csrf.matches(session, form)) {
      return Layout.formNotThisSessions(
          session, "Approve", "Not approved", ". Open the upgrade again.", "");
    }
    ServiceApis.Answer answer =
        apis.plannerPost(
            session.token(),
            "/api/v1/upgrades/"
                + ServiceApis.encode(id)
                + "/steps/"
                + ServiceApis.encode(stepId)
                + "/approve",
            MediaType.APPLICATION_JSON,
            "{}");
    StringBuilder body = new StringBuilder();
    if (answer.ok()) {
      body.append("<h1>Approved</h1><p class=\"answer\">The planner accepted the approval (HTTP ")
          .append(answer.status())
          .append(").</p>");
    } else {
      body.append("<h1>Not approved</h1><p>The planner refused:</p>").append(errorList(answer));
    }
    body.append("<p><a href=\"/upgrades/")
        .append(segment(id))
        .append("\">Back to the upgrade</a></p>");
    return Layout.html(answer.pageStatus(), Layout.page("Approve", session, body.toString()));
  }

  private static MutableHttpResponse<String> refused(
      Session session, String title, ServiceApis.Answer answer) {
    HttpStatus status =
        answer.status() == 404
            ? HttpStatus.NOT_FOUND
            : answer.status() == 403 ? HttpStatus.FORBIDDEN : HttpStatus.BAD_GATEWAY;
    return Layout.html(
        status, Layout.page(title, session, "<h1>" + text(title) + "</h1>" + errorList(answer)));
  }

  private static String errorList(ServiceApis.Answer answer) {
    StringBuilder html = new StringBuilder("<ul class=\"error\" role=\"alert\">");
    for (String line : answer.errors()) {
      html.append("<li>").append(text(line)).append("</li>");
    }
    return html.append("</ul>").toString();
  }

  private static int parse(String lastEventId) {
    try {
      return lastEventId == null ? -1 : Integer.parseInt(lastEventId.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
