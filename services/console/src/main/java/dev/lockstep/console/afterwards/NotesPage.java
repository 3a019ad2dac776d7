package dev.lockstep.console.afterwards;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.text;
import static dev.lockstep.console.pages.Html.time;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Csrf;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.Map;
import java.util.Optional;

/**
 * An upgrade's notes: the section of the post-mortem page that lists them (the recorder's {@code
 * GET /api/v1/upgrades/{id}/notes}) with a form to add one, and the action behind the form ({@code
 * POST .../notes}, which the recorder allows a token with {@code submitter}; the author is the
 * token's subject). The recorder decides what a note may be; its refusals show with their paths.
 */
@Controller("/upgrades")
@Secured(SecurityRule.IS_ANONYMOUS)
public class NotesPage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Sessions sessions;
  private final ServiceApis apis;

  public NotesPage(Sessions sessions, ServiceApis apis) {
    this.sessions = sessions;
    this.apis = apis;
  }

  /** The notes section of an upgrade's post-mortem page. */
  public static String section(ServiceApis apis, Session session, String id) {
    ServiceApis.Answer notes = apis.recorder(session.token(), notesPath(id));
    StringBuilder html =
        new StringBuilder("<section id=\"notes\" aria-labelledby=\"notes-title\">");
    html.append("<h2 id=\"notes-title\">Notes</h2>");
    if (!notes.ok()) {
      html.append("<p>The recorder did not give the notes:</p>").append(Errors.list(notes));
    } else if (!notes.json().isArray() || notes.json().isEmpty()) {
      html.append("<p class=\"hint\">No notes yet.</p>");
    } else {
      html.append("<ol class=\"notes\">");
      for (JsonNode note : notes.json()) {
        html.append(note(note));
      }
      html.append("</ol>");
    }
    html.append(form(session, id, ""));
    return html.append("</section>").toString();
  }

  private static String note(JsonNode note) {
    return "<li class=\"note\"><p class=\"note-meta\">"
        + text(note.path("author").asText())
        + " · "
        + time(note.path("createdAt").asText())
        + "</p><p class=\"note-text\">"
        + text(note.path("text").asText())
        + "</p></li>";
  }

  private static String form(Session session, String id, String text) {
    if (!may(session)) {
      return "<p class=\"hint\">Adding a note needs a token with the submitter role.</p>";
    }
    return "<form method=\"post\" action=\"/upgrades/"
        + segment(id)
        + "/notes\" class=\"note-form\">"
        + Layout.csrf(session)
        + "<label for=\"note-text\">Add a note</label><textarea id=\"note-text\" name=\"text\""
        + " rows=\"4\">"
        + text(text)
        + "</textarea><p class=\"hint\">It goes into the upgrade's record and post-mortem,"
        + " signed with your name.</p><button type=\"submit\">Add the note</button></form>";
  }

  /** The recorder takes notes from a submitter only. */
  private static boolean may(Session session) {
    return session.who().getRoles().contains(Roles.SUBMITTER);
  }

  /** Adds a note, and shows the recorder's answer. */
  @Post("/{id}/notes")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> add(
      HttpRequest<?> request, @PathVariable String id, @Body Map<String, String> form) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    String back =
        "<p><a href=\"/upgrades/"
            + segment(id)
            + "/postmortem#notes\">Back to the post-mortem</a></p>";
    if (!Csrf.matches(session, form)) {
      return Layout.formNotThisSessions(
          session, "Note", "Note not added", ". Open the post-mortem again.", back);
    }
    if (!may(session)) {
      return Layout.html(
          HttpStatus.FORBIDDEN,
          Layout.page(
              "Note",
              session,
              "<h1>Note not added</h1><p class=\"error\" role=\"alert\">Your token has no submitter"
                  + " role, which the recorder asks of a note's author.</p>"
                  + back));
    }
    String text = form.getOrDefault("text", "");
    String body;
    try {
      body = MAPPER.writeValueAsString(Map.of("text", text));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a string is always JSON", e);
    }
    ServiceApis.Answer answer =
        apis.recorderPost(session.token(), notesPath(id), MediaType.APPLICATION_JSON, body);
    if (answer.ok()) {
      return Layout.ok(
          "Note added",
          session,
          "<h1>Note added</h1><p class=\"answer\">The recorder kept the note (HTTP "
              + answer.status()
              + "):</p><ol class=\"notes\">"
              + note(answer.json())
              + "</ol>"
              + back);
    }
    return Layout.html(
        answer.pageStatus(),
        Layout.page(
            "Note",
            session,
            "<h1>Note not added</h1><p>The recorder refused:</p>"
                + Errors.list(answer)
                + form(session, id, text)
                + back));
  }

  private static String notesPath(String id) {
    return "/api/v1/upgrades/" + ServiceApis.encode(id) + "/notes";
  }
}
