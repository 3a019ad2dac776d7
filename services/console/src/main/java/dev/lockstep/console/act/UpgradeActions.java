package dev.lockstep.console.act;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.state;
import static dev.lockstep.console.pages.Html.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Csrf;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Pause, resume, cancel and roll back, from the upgrade page: each a confirmation page ({@code GET
 * /upgrades/{id}/<action>}) that says what will happen and takes an optional reason, then the
 * planner's route called with the operator's token ({@code POST}, with the session's CSRF token)
 * and its answer: the status it accepted, or every error with its path. A token without the
 * planner's role for it gets a 403 page and the planner is not asked.
 */
@Controller("/upgrades")
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
public class UpgradeActions {
  private final Sessions sessions;
  private final ServiceApis apis;

  public UpgradeActions(Sessions sessions, ServiceApis apis) {
    this.sessions = sessions;
    this.apis = apis;
  }

  /**
   * The confirmation page of the action the path ends with ({@link UpgradeAction#word()}: the
   * routes' pattern lists the four).
   */
  @Get("/{id}/{word:pause|resume|cancel|rollback}")
  public MutableHttpResponse<String> confirm(
      HttpRequest<?> request, @PathVariable String id, @PathVariable String word) {
    UpgradeAction action = action(word);
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    StringBuilder body = new StringBuilder();
    body.append("<h1>")
        .append(text(action.label()))
        .append("?</h1><p>")
        .append(text(action.label()))
        .append(" upgrade <a href=\"/upgrades/")
        .append(segment(id))
        .append("\">")
        .append(text(id))
        .append("</a>? ")
        .append(text(action.effect()))
        .append("</p>");
    if (!session.has(UpgradeAction.ROLE)) {
      return Layout.html(
          HttpStatus.FORBIDDEN,
          Layout.page(action.label(), session, body.append(noRole(action)).toString()));
    }
    body.append("<form method=\"post\" action=\"/upgrades/")
        .append(segment(id))
        .append("/")
        .append(action.word())
        .append("\">")
        .append(Layout.csrf(session))
        .append("<p><label for=\"reason\">Reason (optional, kept with the request)</label>")
        .append("<input type=\"text\" id=\"reason\" name=\"reason\" maxlength=\"500\"")
        .append(" autocomplete=\"off\"></p><button type=\"submit\" id=\"confirm\">Yes, ")
        .append(text(action.label().toLowerCase(Locale.ROOT)))
        .append("</button> <a href=\"/upgrades/")
        .append(segment(id))
        .append("\">No, go back</a></form>");
    return Layout.ok(action.label(), session, body.toString());
  }

  /** Asks the planner for the action the path ends with. */
  @Post("/{id}/{word:pause|resume|cancel|rollback}")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public MutableHttpResponse<String> act(
      HttpRequest<?> request,
      @PathVariable String id,
      @PathVariable String word,
      @Body Map<String, String> form) {
    UpgradeAction action = action(word);
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    if (!Csrf.matches(session, form)) {
      return Layout.formNotThisSessions(
          session,
          action.label(),
          action.refused(),
          ", so the planner was not asked. Open the upgrade again.",
          "");
    }
    if (!session.has(UpgradeAction.ROLE)) {
      return Layout.html(
          HttpStatus.FORBIDDEN,
          Layout.page(
              action.label(), session, "<h1>" + text(action.refused()) + "</h1>" + noRole(action)));
    }
    ServiceApis.Answer answer =
        apis.plannerPost(
            session.token(),
            action.plannerPath(id),
            MediaType.APPLICATION_JSON,
            action.plannerBody(id, form.get("reason")));
    StringBuilder body = new StringBuilder();
    if (answer.ok()) {
      body.append("<h1>").append(text(action.done())).append("</h1>").append(accepted(answer));
    } else {
      body.append("<h1>")
          .append(text(action.refused()))
          .append("</h1><p>The planner refused (HTTP ")
          .append(answer.status())
          .append("):</p>")
          .append(errors(answer));
    }
    body.append("<p><a href=\"/upgrades/")
        .append(segment(id))
        .append("\">Back to the upgrade</a></p>");
    return Layout.html(answer.pageStatus(), Layout.page(action.label(), session, body.toString()));
  }

  /** The action of that word (the routes' pattern admits no other). */
  private static UpgradeAction action(String word) {
    for (UpgradeAction action : UpgradeAction.values()) {
      if (action.word().equals(word)) {
        return action;
      }
    }
    throw new IllegalArgumentException("no action " + word);
  }

  /** The planner's 202: the status it reports, and the rollback's page when it names one. */
  private static String accepted(ServiceApis.Answer answer) {
    JsonNode json = answer.json();
    StringBuilder html =
        new StringBuilder("<p class=\"answer\" role=\"status\">The planner accepted it (HTTP ")
            .append(answer.status())
            .append(")");
    if (json.hasNonNull("status")) {
      html.append(": ").append(state(json.path("status").asText()));
    }
    html.append(".</p>");
    if (json.hasNonNull("rollbackId")) {
      String rollbackId = json.path("rollbackId").asText();
      html.append("<p>Follow the rollback on its page: <a id=\"rollback\" href=\"/upgrades/")
          .append(segment(rollbackId))
          .append("\">")
          .append(text(rollbackId))
          .append("</a>. It fills in once the planner has planned it.</p>");
    }
    return html.toString();
  }

  /** Every error of the planner's {@code {"errors":[...]}}, each with its path. */
  static String errors(ServiceApis.Answer answer) {
    JsonNode errors = answer.json().path("errors");
    StringBuilder html = new StringBuilder("<ul class=\"error\" role=\"alert\">");
    if (errors.isArray() && !errors.isEmpty()) {
      for (JsonNode e : errors) {
        String path = e.path("path").asText("");
        html.append("<li><strong>")
            .append(text(e.path("code").asText("error")))
            .append("</strong>");
        if (!path.isEmpty()) {
          html.append(" at <code class=\"path\">").append(text(path)).append("</code>");
        }
        html.append(": ").append(text(e.path("message").asText(""))).append("</li>");
      }
    } else {
      for (String line : answer.errors()) {
        html.append("<li>").append(text(line)).append("</li>");
      }
    }
    return html.append("</ul>").toString();
  }

  private static String noRole(UpgradeAction action) {
    return "<p class=\"error\" role=\"alert\">Your token has no "
        + text(UpgradeAction.ROLE)
        + " role, which the planner asks for to "
        + text(action.label().toLowerCase(Locale.ROOT))
        + " an upgrade.</p>";
  }
}
