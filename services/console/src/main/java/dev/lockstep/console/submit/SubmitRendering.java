package dev.lockstep.console.submit;

import static dev.lockstep.console.pages.Html.text;
import static dev.lockstep.console.pages.Html.time;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.signin.Session;
import dev.lockstep.events.ErrorDetail;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The submit pages' HTML: the form (kept as typed, so a refused release can be corrected), every
 * problem with its path (linked to the field it is about), and the planner's preview as a reader
 * wants it: the releases, the risk, the window, the version table and the waves of steps and gates.
 */
final class SubmitRendering {
  private SubmitRendering() {}

  /** The form that previews; the textarea is {@code #release}, the button {@code #preview}. */
  static String form(Session session, SubmitForm form, List<String> platforms) {
    StringBuilder html = new StringBuilder(form.release().length() + 4096);
    html.append(
            "<form method=\"post\" action=\"/submit/preview\" enctype=\"multipart/form-data\""
                + " class=\"submit\">")
        .append(Layout.csrf(session))
        .append("<p><label for=\"platform\">Platform</label>")
        .append("<input type=\"text\" id=\"platform\" name=\"platform\" list=\"platforms\"")
        .append(" required autocomplete=\"off\" value=\"")
        .append(text(form.platform()))
        .append("\"><datalist id=\"platforms\">");
    for (String p : platforms) {
      html.append("<option value=\"").append(text(p)).append("\">");
    }
    html.append("</datalist></p>")
        .append("<p><label for=\"release\">Release manifest (YAML)</label>")
        .append("<textarea id=\"release\" name=\"release\" rows=\"18\" spellcheck=\"false\"")
        .append(" aria-describedby=\"release-hint\">")
        // a textarea drops one leading line break: keep the text's own
        .append(form.release().startsWith("\n") ? "\n" : "")
        .append(text(form.release()))
        .append("</textarea></p>")
        .append("<p><label for=\"file\">or its file</label>")
        .append("<input type=\"file\" id=\"file\" name=\"file\"")
        .append(" accept=\".yaml,.yml,application/yaml,application/x-yaml,text/yaml,text/plain\">")
        .append("</p><p class=\"hint\" id=\"release-hint\">At most 1 MiB. A chosen file is used")
        .append(" instead of the pasted text, and shown here afterwards to be corrected.</p>")
        .append("<fieldset><legend>Optional</legend>")
        .append(input("reason", "Reason (kept with every step the upgrade runs)", form.reason()))
        .append(input("upgradeId", "Upgrade id (else one is drawn)", form.upgradeId()))
        .append(
            input(
                "notBefore",
                "Start no earlier than (UTC, such as 2026-11-22T02:00:00Z)",
                form.notBefore()))
        .append(input("notAfter", "Start no later than (UTC)", form.notAfter()))
        .append("</fieldset>")
        .append("<p><button type=\"submit\" id=\"preview\">Preview the plan</button>")
        .append(" <span class=\"hint\">Nothing is submitted until you confirm the preview.</span>")
        .append("</p></form>");
    return html.toString();
  }

  private static String input(String name, String label, String value) {
    return "<p><label for=\""
        + name
        + "\">"
        + text(label)
        + "</label><input type=\"text\" id=\""
        + name
        + "\" name=\""
        + name
        + "\" autocomplete=\"off\" value=\""
        + text(value)
        + "\"></p>";
  }

  /** Every problem, one {@code <li>} each, with its path linked to the field it is about. */
  static String errors(List<ErrorDetail> problems) {
    StringBuilder html =
        new StringBuilder(
            "<ul class=\"errors error\" role=\"alert\" aria-label=\"what is wrong\">");
    for (ErrorDetail e : problems) {
      String path = e.path() == null ? "" : e.path();
      html.append("<li><a class=\"path\" href=\"#")
          .append(field(path))
          .append("\"><code>")
          .append(text(path.isEmpty() ? "(the request)" : path))
          .append("</code></a> <span class=\"code\">")
          .append(text(e.code()))
          .append("</span>: ")
          .append(text(e.message()))
          .append("</li>");
    }
    return html.append("</ul>").toString();
  }

  /** The form field a problem's path is about. */
  static String field(String path) {
    if (path.startsWith("window.notAfter")) {
      return "notAfter";
    }
    if (path.startsWith("window")) {
      return "notBefore";
    }
    for (String f : List.of("platform", "reason", "upgradeId", "file")) {
      if (path.equals(f)) {
        return f;
      }
    }
    return "release";
  }

  /** The planner's preview of a plan. */
  static String plan(JsonNode plan) {
    StringBuilder html = new StringBuilder("<section class=\"preview\" aria-label=\"the plan\">");
    html.append("<dl class=\"facts\"><dt>Release</dt><dd>")
        .append(text(plan.path("fromRelease").asText("none")))
        .append(" → <strong>")
        .append(text(plan.path("toRelease").asText("?")))
        .append("</strong></dd><dt>Risk</dt><dd><strong class=\"risk\">")
        .append(plan.path("risk").path("score").asInt())
        .append(" of 100</strong>");
    JsonNode factors = plan.path("risk").path("factors");
    if (factors.isArray() && !factors.isEmpty()) {
      html.append("<ul class=\"factors\">");
      for (JsonNode f : factors) {
        html.append("<li>").append(text(f.asText())).append("</li>");
      }
      html.append("</ul>");
    }
    html.append("</dd><dt>Expected downtime</dt><dd>")
        .append(duration(plan.path("expectedDowntime").asText(null)))
        .append("</dd>");
    if (plan.hasNonNull("expectedDuration")) {
      html.append("<dt>Expected duration</dt><dd>")
          .append(duration(plan.path("expectedDuration").asText()))
          .append("</dd>");
    }
    html.append("<dt>Window</dt><dd>").append(window(plan.path("window"))).append("</dd>");
    if (plan.hasNonNull("releaseNotes")) {
      html.append("<dt>Release notes</dt><dd>")
          .append(text(plan.path("releaseNotes").asText()))
          .append("</dd>");
    }
    html.append("</dl>").append(versions(plan.path("versions")));
    html.append("<h2>Waves</h2>");
    if (plan.path("waves").isEmpty()) {
      html.append("<p>No waves: the platform runs this release already.</p>");
    }
    for (JsonNode wave : plan.path("waves")) {
      html.append(wave(wave));
    }
    return html.append("</section>").toString();
  }

  private static String window(JsonNode window) {
    String notBefore = window.path("notBefore").asText(null);
    String notAfter = window.path("notAfter").asText(null);
    if (notBefore == null && notAfter == null) {
      return "none: it starts when its turn comes";
    }
    List<String> parts = new ArrayList<>();
    if (notBefore != null) {
      parts.add("no earlier than " + time(notBefore));
    }
    if (notAfter != null) {
      parts.add("no later than " + time(notAfter));
    }
    return "starts " + String.join(" and ", parts);
  }

  private static String versions(JsonNode versions) {
    StringBuilder html =
        new StringBuilder(
            "<table class=\"versions\"><caption>Versions</caption><thead><tr>"
                + "<th scope=\"col\">component</th><th scope=\"col\">layer</th>"
                + "<th scope=\"col\">from</th><th scope=\"col\">to</th></tr></thead><tbody>");
    for (JsonNode v : versions) {
      html.append("<tr><td>")
          .append(text(v.path("component").asText()))
          .append("</td><td>")
          .append(text(v.path("layer").asText("")))
          .append("</td><td>")
          .append(text(v.path("from").asText("new")))
          .append("</td><td>")
          .append(text(v.path("to").asText("removed")))
          .append("</td></tr>");
    }
    return html.append("</tbody></table>").toString();
  }

  private static String wave(JsonNode wave) {
    int index = wave.path("index").asInt();
    StringBuilder html = new StringBuilder();
    html.append("<section class=\"wave\" data-wave=\"")
        .append(index)
        .append("\"><h3>Wave ")
        .append(index)
        .append(" <span class=\"layer\">")
        .append(text(wave.path("layer").asText()))
        .append("</span></h3><ol class=\"steps\">");
    for (JsonNode step : wave.path("steps")) {
      html.append("<li class=\"step\"><span class=\"id\">")
          .append(text(step.path("id").asText()))
          .append("</span> ")
          .append(text(step.path("component").asText()))
          .append(": <strong>")
          .append(text(step.path("action").asText()))
          .append("</strong>");
      if (step.hasNonNull("from") || step.hasNonNull("to")) {
        html.append(" ")
            .append(text(step.path("from").asText("new")))
            .append(" → ")
            .append(text(step.path("to").asText("removed")));
      }
      if (step.hasNonNull("image")) {
        html.append(" <code>").append(text(step.path("image").asText())).append("</code>");
      }
      if (step.hasNonNull("message")) {
        html.append("<br><span class=\"reason\">asks: ")
            .append(text(step.path("message").asText()))
            .append("</span>");
      }
      if (step.path("retries").asInt() > 0) {
        html.append(" <span class=\"reason\">(run again up to ")
            .append(step.path("retries").asInt())
            .append(step.path("retries").asInt() == 1 ? " time" : " times")
            .append(" if it fails)</span>");
      }
      html.append("</li>");
    }
    html.append("</ol>");
    for (JsonNode gate : wave.path("gates")) {
      html.append("<div class=\"gate\" data-gate=\"")
          .append(text(gate.path("name").asText()))
          .append("\"><p>gate <strong>")
          .append(text(gate.path("name").asText()))
          .append("</strong> (")
          .append(text(gate.path("kind").asText()));
      if (gate.hasNonNull("component")) {
        html.append(", of ").append(text(gate.path("component").asText()));
      }
      html.append(")</p><p class=\"condition\">")
          .append(text(condition(gate.path("kind").asText(), gate.path("spec"))))
          .append("</p></div>");
    }
    return html.append("</section>").toString();
  }

  /** What a gate waits for, in a line. */
  static String condition(String kind, JsonNode spec) {
    if (kind.equals("approval")) {
      return "passes when a person approves";
    }
    List<String> parts = new ArrayList<>();
    for (String field :
        List.of("successCondition", "check", "expectStatus", "jsonPath", "expectBody")) {
      JsonNode found = spec.findValue(field);
      if (found != null && !found.isNull()) {
        parts.add(field + " " + found.asText());
      }
    }
    String when = parts.isEmpty() ? "its checks hold" : String.join(", ", parts);
    StringBuilder line = new StringBuilder("passes when ").append(when);
    if (spec.hasNonNull("count")) {
      line.append("; measured ").append(spec.path("count").asInt()).append(" times");
      if (spec.hasNonNull("interval")) {
        line.append(", every ").append(spec.path("interval").asText());
      }
    }
    if (spec.hasNonNull("failureLimit")) {
      line.append("; failure limit ").append(spec.path("failureLimit").asInt());
    }
    return line.toString();
  }

  /** An ISO-8601 duration for a reader ({@code PT1H30M} as 1 h 30 min), the ISO value on hover. */
  static String duration(String iso) {
    if (iso == null) {
      return "unknown";
    }
    Duration d;
    try {
      d = Duration.parse(iso);
    } catch (DateTimeParseException e) {
      return text(iso);
    }
    List<String> parts = new ArrayList<>();
    if (d.toHours() > 0) {
      parts.add(d.toHours() + " h");
    }
    if (d.toMinutesPart() > 0) {
      parts.add(d.toMinutesPart() + " min");
    }
    if (d.toSecondsPart() > 0 || parts.isEmpty()) {
      parts.add(d.toSecondsPart() + " s");
    }
    return "<span title=\"" + text(iso) + "\">" + text(String.join(" ", parts)) + "</span>";
  }
}
