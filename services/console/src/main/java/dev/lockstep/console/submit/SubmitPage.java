package dev.lockstep.console.submit;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Csrf;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Part;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Submits a release, preview first: a form to paste a release's YAML or upload its file ({@code GET
 * /submit}); the planner's preview of it, or every problem with its path, with the text kept to be
 * corrected ({@code POST /submit/preview}); then a confirmation that submits exactly the previewed
 * request, kept server-side ({@link Previews}), and sends the browser to the new upgrade's page
 * ({@code POST /submit}). Offered only to a token with the submitter role; every POST carries the
 * session's CSRF token.
 */
@Controller("/submit")
@Produces(MediaType.TEXT_HTML)
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
public class SubmitPage {
  private static final String TITLE = "Submit a release";

  private final Sessions sessions;
  private final ServiceApis apis;
  private final Previews previews;

  public SubmitPage(Sessions sessions, ServiceApis apis, Previews previews) {
    this.sessions = sessions;
    this.apis = apis;
    this.previews = previews;
  }

  /** The form, for the platform given (or the only one the token sees). */
  @Get
  public MutableHttpResponse<String> form(
      HttpRequest<?> request, @Nullable @QueryValue("platform") String platform) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    if (!session.has(Roles.SUBMITTER)) {
      return noRole(session);
    }
    List<String> visible = visible(session);
    String chosen = platform != null ? platform : visible.size() == 1 ? visible.get(0) : "";
    return Layout.ok(
        TITLE, session, intro() + SubmitRendering.form(session, SubmitForm.empty(chosen), visible));
  }

  /** The preview of the form (multipart, as its browser sends it: the pasted text or the file). */
  @Post(value = "/preview", consumes = MediaType.MULTIPART_FORM_DATA)
  public MutableHttpResponse<String> preview(
      HttpRequest<?> request,
      @Nullable @Part("csrf") String csrf,
      @Nullable @Part("platform") String platform,
      @Nullable @Part("release") String release,
      @Nullable @Part("reason") String reason,
      @Nullable @Part("upgradeId") String upgradeId,
      @Nullable @Part("notBefore") String notBefore,
      @Nullable @Part("notAfter") String notAfter,
      @Nullable @Part("file") CompletedFileUpload file) {
    Map<String, String> token = new HashMap<>();
    if (csrf != null) {
      token.put("csrf", csrf);
    }
    SubmitForm form = new SubmitForm(platform, release, reason, upgradeId, notBefore, notAfter);
    ErrorDetail fileProblem = null;
    if (file != null) {
      ReleaseFile upload = new ReleaseFile(file.getFilename(), contentType(file), file.getSize());
      if (upload.chosen()) {
        fileProblem = upload.refusal();
        if (fileProblem == null) {
          String text = ReleaseFile.text(bytes(file));
          if (text == null) {
            fileProblem = upload.notText();
          } else {
            form = form.withRelease(text);
          }
        }
      }
    }
    return previewed(request, token, form, fileProblem);
  }

  private MutableHttpResponse<String> previewed(
      HttpRequest<?> request, Map<String, String> fields, SubmitForm form, ErrorDetail file) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    if (!Csrf.matches(session, fields)) {
      return notThisSessions(session, "Not previewed");
    }
    if (!session.has(Roles.SUBMITTER)) {
      return noRole(session);
    }
    List<String> visible = visible(session);
    SubmitForm.Checked checked = form.check(session::sees);
    List<ErrorDetail> problems = new ArrayList<>();
    if (file != null) {
      problems.add(file);
    }
    for (ErrorDetail p : checked.problems()) {
      // a refused file and nothing pasted: the file's problem says it all
      if (!(file != null && form.release().isBlank() && p.path().equals("release"))) {
        problems.add(p);
      }
    }
    if (!problems.isEmpty()) {
      boolean tooLarge = problems.stream().anyMatch(p -> p.code().equals(SubmitForm.TOO_LARGE));
      return Layout.html(
          tooLarge ? HttpStatus.REQUEST_ENTITY_TOO_LARGE : HttpStatus.UNPROCESSABLE_ENTITY,
          Layout.page(
              TITLE,
              session,
              "<h1>"
                  + TITLE
                  + "</h1><p>This cannot be previewed yet: fix what is listed and preview"
                  + " again.</p>"
                  + SubmitRendering.errors(problems)
                  + SubmitRendering.form(session, form, visible)));
    }
    ServiceApis.Answer answer =
        apis.plannerPost(
            session.token(),
            "/api/v1/plans/preview",
            MediaType.APPLICATION_JSON,
            checked.preview().toString());
    if (!answer.ok()) {
      return Layout.html(
          refusedStatus(answer),
          Layout.page(
              TITLE,
              session,
              "<h1>"
                  + TITLE
                  + "</h1><p>The planner refused the preview ("
                  + said(answer)
                  + "): fix what it lists and preview again. Each path points into the request:"
                  + " <code>release…</code> is the release's YAML.</p>"
                  + SubmitRendering.errors(problems(answer))
                  + SubmitRendering.form(session, form, visible)));
    }
    Previews.Pending pending = previews.keep(session, form, checked.submission());
    JsonNode plan = answer.json();
    StringBuilder body = new StringBuilder();
    body.append("<h1>Preview: ")
        .append(text(form.platform()))
        .append(" to ")
        .append(text(plan.path("toRelease").asText("?")))
        .append("</h1>")
        .append(SubmitRendering.plan(plan))
        .append(confirm(session, pending))
        .append("<h2>Change it</h2>")
        .append(SubmitRendering.form(session, form, visible));
    return Layout.ok("Preview", session, body.toString());
  }

  /** Submits the previewed request, and sends the browser to the new upgrade. */
  @Post(consumes = MediaType.APPLICATION_FORM_URLENCODED)
  public MutableHttpResponse<String> submit(
      HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
    Map<String, String> fields = form == null ? Map.of() : form;
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    if (!Csrf.matches(session, fields)) {
      return notThisSessions(session, "Not submitted");
    }
    if (!session.has(Roles.SUBMITTER)) {
      return noRole(session);
    }
    Optional<Previews.Pending> taken = previews.take(session, fields.getOrDefault("preview", ""));
    if (taken.isEmpty()) {
      return Layout.html(
          HttpStatus.CONFLICT,
          Layout.page(
              TITLE,
              session,
              "<h1>Not submitted</h1><p class=\"error\" role=\"alert\">That preview is no longer"
                  + " open: it was submitted already, a newer preview replaced it, or it is over"
                  + " an hour old. Nothing was sent.</p><p><a href=\"/submit\">Preview a release"
                  + " again</a></p>"));
    }
    Previews.Pending pending = taken.get();
    ServiceApis.Answer answer =
        apis.plannerPost(
            session.token(),
            "/api/v1/upgrades",
            MediaType.APPLICATION_JSON,
            pending.submission().toString());
    if (answer.ok()) {
      String id =
          answer.json().path("upgradeId").asText(pending.submission().path("upgradeId").asText());
      return HttpResponse.<String>seeOther(URI.create("/upgrades/" + ServiceApis.encode(id)))
          .header("Cache-Control", "no-store");
    }
    StringBuilder body = new StringBuilder("<h1>Not submitted</h1>");
    body.append("<p>The planner refused the upgrade (").append(said(answer)).append(").</p>");
    body.append(SubmitRendering.errors(problems(answer)));
    if (answer.status() == 0 || answer.status() >= 500) {
      // the planner may not have taken it: the same preview can be submitted again, and its
      // upgrade id makes a second submission of what did arrive a conflict, not a second upgrade
      previews.putBack(session, pending);
      body.append(confirm(session, pending));
    }
    body.append("<h2>Change it</h2>")
        .append(SubmitRendering.form(session, pending.form(), visible(session)));
    return Layout.html(refusedStatus(answer), Layout.page(TITLE, session, body.toString()));
  }

  private static String confirm(Session session, Previews.Pending pending) {
    JsonNode s = pending.submission();
    return "<form method=\"post\" action=\"/submit\" class=\"confirm\">"
        + Layout.csrf(session)
        + "<input type=\"hidden\" name=\"preview\" value=\""
        + text(pending.id())
        + "\"><p>Submit exactly this release to <strong>"
        + text(s.path("platform").asText())
        + "</strong> as upgrade <span class=\"id\">"
        + text(s.path("upgradeId").asText())
        + "</span>? It queues behind what runs there; the plan is made again when its turn"
        + " comes.</p><p><button type=\"submit\" id=\"submit\">Submit the upgrade</button>"
        + " <a href=\"/platforms#platform-"
        + segment(s.path("platform").asText())
        + "\">No, go back</a></p></form>";
  }

  private static String intro() {
    return "<h1>"
        + TITLE
        + "</h1><p>Paste a release manifest or choose its file, and preview the plan the planner"
        + " would make for the platform now. Nothing is submitted until you confirm the"
        + " preview.</p>";
  }

  private List<String> visible(Session session) {
    return apis.platforms().stream().filter(session::sees).toList();
  }

  private static MutableHttpResponse<String> noRole(Session session) {
    return Layout.html(
        HttpStatus.FORBIDDEN,
        Layout.page(
            TITLE,
            session,
            "<h1>"
                + TITLE
                + "</h1><p class=\"error\" role=\"alert\">Your token has no submitter role, so it"
                + " cannot submit a release. Ask for a token with it.</p>"));
  }

  private static MutableHttpResponse<String> notThisSessions(Session session, String title) {
    return Layout.formNotThisSessions(
        session,
        TITLE,
        title,
        ". Nothing was sent. <a href=\"/submit\">Open the form again</a>.",
        "");
  }

  /** The problems of a refusal, as the service listed them, or one saying what happened. */
  static List<ErrorDetail> problems(ServiceApis.Answer answer) {
    List<ErrorDetail> problems = new ArrayList<>();
    for (JsonNode e : answer.json().path("errors")) {
      problems.add(
          new ErrorDetail(
              e.path("code").asText(""), e.path("path").asText(""), e.path("message").asText("")));
    }
    if (problems.isEmpty()) {
      problems.add(
          new ErrorDetail(
              answer.status() == 0 ? "unavailable" : "http-" + answer.status(),
              "",
              answer.status() == 0
                  ? answer.text()
                  : "the planner answered HTTP " + answer.status()));
    }
    return problems;
  }

  private static String said(ServiceApis.Answer answer) {
    return answer.status() == 0 ? "it did not answer" : "HTTP " + answer.status();
  }

  /** A refusal's own status when it is about the request (4xx), else 502. */
  private static HttpStatus refusedStatus(ServiceApis.Answer answer) {
    if (answer.status() >= 400 && answer.status() < 500) {
      try {
        return HttpStatus.valueOf(answer.status());
      } catch (IllegalArgumentException e) {
        return HttpStatus.BAD_REQUEST;
      }
    }
    return HttpStatus.BAD_GATEWAY;
  }

  private static String contentType(CompletedFileUpload file) {
    return file.getContentType().map(MediaType::toString).orElse(null);
  }

  private static byte[] bytes(CompletedFileUpload file) {
    try {
      return file.getBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }
}
