package dev.lockstep.console.pages;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every platform the operator's token may see: its release, its components by layer with their
 * versions, the active upgrade and the queue, and the releases it can upgrade to (the planner's
 * {@code /api/v1/platforms/{p}} and {@code .../available-upgrades}).
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
public class PlatformsPage {
  private final Sessions sessions;
  private final ServiceApis apis;

  public PlatformsPage(Sessions sessions, ServiceApis apis) {
    this.sessions = sessions;
    this.apis = apis;
  }

  /** The platforms page. */
  @Get("/platforms")
  public MutableHttpResponse<String> platforms(HttpRequest<?> request) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    StringBuilder body = new StringBuilder("<h1>Platforms</h1>");
    List<String> visible = apis.platforms().stream().filter(session::sees).toList();
    if (visible.isEmpty()) {
      body.append("<p>Your token sees none of the platforms this console knows.</p>");
    }
    for (String platform : visible) {
      body.append(platform(session, platform));
    }
    return Layout.ok("Platforms", session, body.toString());
  }

  private String platform(Session session, String platform) {
    String p = ServiceApis.encode(platform);
    ServiceApis.Answer view = apis.planner(session.token(), "/api/v1/platforms/" + p);
    StringBuilder html = new StringBuilder();
    html.append("<section class=\"platform\" id=\"platform-")
        .append(text(platform))
        .append("\"><h2>")
        .append(text(platform))
        .append("</h2>");
    if (session.has("submitter")) {
      html.append("<p><a class=\"button\" href=\"/submit?platform=")
          .append(segment(platform))
          .append("\">Submit a release</a></p>");
    }
    if (!view.ok()) {
      return html.append(errors(view)).append("</section>").toString();
    }
    JsonNode v = view.json();
    html.append("<p>Release <strong class=\"release\">")
        .append(text(v.path("release").asText("unknown")))
        .append("</strong></p>");

    html.append("<h3>Active upgrade</h3>");
    JsonNode active = v.path("active");
    if (active.isObject()) {
      html.append("<p>").append(summary(active)).append("</p>");
    } else {
      html.append("<p>None.</p>");
    }
    JsonNode queue = v.path("queue");
    if (queue.isArray() && !queue.isEmpty()) {
      html.append("<h3>Queue</h3><ol class=\"queue\">");
      for (JsonNode q : queue) {
        html.append("<li>").append(summary(q)).append("</li>");
      }
      html.append("</ol>");
    }

    html.append("<h3>Components</h3>");
    Map<String, List<JsonNode>> byLayer = new TreeMap<>();
    for (JsonNode c : v.path("inventory")) {
      byLayer
          .computeIfAbsent(c.path("layer").asText("(no layer)"), k -> new java.util.ArrayList<>())
          .add(c);
    }
    if (byLayer.isEmpty()) {
      html.append("<p>Not observed yet.</p>");
    }
    for (Map.Entry<String, List<JsonNode>> layer : byLayer.entrySet()) {
      html.append("<table class=\"components\"><caption>")
          .append(text(layer.getKey()))
          .append("</caption><thead><tr><th scope=\"col\">component</th>")
          .append("<th scope=\"col\">version</th></tr></thead><tbody>");
      for (JsonNode c : layer.getValue()) {
        html.append("<tr><td>")
            .append(text(c.path("name").asText()))
            .append("</td><td>")
            .append(text(c.path("version").asText()))
            .append("</td></tr>");
      }
      html.append("</tbody></table>");
    }

    html.append("<h3>Available upgrades</h3>");
    ServiceApis.Answer available =
        apis.planner(session.token(), "/api/v1/platforms/" + p + "/available-upgrades");
    if (!available.ok()) {
      html.append(errors(available));
    } else if (available.json().path("releases").isEmpty()) {
      html.append("<p>None: the platform runs the newest release it can reach.</p>");
    } else {
      html.append("<ul class=\"available\">");
      for (JsonNode r : available.json().path("releases")) {
        html.append("<li>")
            .append(text(r.path("product").asText()))
            .append(" <strong>")
            .append(text(r.path("version").asText()))
            .append("</strong> (")
            .append(text(r.path("components").asText()))
            .append(" components)");
        if (r.hasNonNull("notes")) {
          html.append(": ").append(text(r.path("notes").asText()));
        }
        html.append("</li>");
      }
      html.append("</ul>");
    }
    return html.append("</section>").toString();
  }

  /** One upgrade in short, linked to its page. */
  static String summary(JsonNode u) {
    String id = u.path("upgradeId").asText();
    StringBuilder s = new StringBuilder();
    s.append("<a href=\"/upgrades/")
        .append(segment(id))
        .append("\">")
        .append(text(u.path("mode").asText("upgrade")))
        .append(" ")
        .append(text(id))
        .append("</a> ");
    if (u.hasNonNull("toRelease")) {
      s.append("to ").append(text(u.path("toRelease").asText())).append(" ");
    }
    s.append(Html.state(u.path("status").asText()));
    if (u.hasNonNull("requestedBy")) {
      s.append(" requested by ").append(text(u.path("requestedBy").asText()));
    }
    return s.toString();
  }

  /** A service's refusal, as the service said it. */
  static String errors(ServiceApis.Answer answer) {
    StringBuilder html = new StringBuilder("<ul class=\"error\" role=\"alert\">");
    for (String line : answer.errors()) {
      html.append("<li>").append(text(line)).append("</li>");
    }
    return html.append("</ul>").toString();
  }
}
