package dev.lockstep.console.live;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.state;
import static dev.lockstep.console.pages.Html.text;
import static dev.lockstep.console.pages.Html.time;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.act.UpgradeAction;
import dev.lockstep.console.signin.Session;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live part of the upgrade page, from the recorder's view of the upgrade ({@code
 * /api/v1/upgrades/{id}}) and its events ({@code .../events}: the plans): the status and failure,
 * the actions the status allows (pause, resume, cancel, roll back), the plan of the upgrade and of
 * its rollback side by side as waves of steps and gates with their states, each gate's measurements
 * with a small chart against its threshold, the pending approvals and the version table. A pure
 * function of the two answers, so that the page and its stream render the same.
 */
public final class UpgradeRendering {
  // a success condition that is one comparison of the measured value with a number
  private static final String NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  private static final String OP = "(<=|>=|==|!=|<|>)";
  private static final String MEASURED = "(?:result(?:\\[\\d+\\])?|#)";
  private static final Pattern VALUE_FIRST =
      Pattern.compile("\\s*" + MEASURED + "\\s*" + OP + "\\s*" + NUMBER + "\\s*");
  private static final Pattern NUMBER_FIRST =
      Pattern.compile("\\s*" + NUMBER + "\\s*" + OP + "\\s*" + MEASURED + "\\s*");
  private static final Pattern QUANTIFIED =
      Pattern.compile("\\s*(?:all|any)\\s*\\(\\s*result\\s*,\\s*\\{?(.*?)\\}?\\s*\\)\\s*");

  private UpgradeRendering() {}

  /** The fragment. */
  public static String live(Session session, JsonNode view, JsonNode events) {
    return render(session, view, events);
  }

  /**
   * The fragment as it was, for a replay: no action buttons and no approve links or lines about
   * roles, as the past is not acted on (a pending approval still shows as waiting).
   */
  public static String asItWas(JsonNode view, JsonNode events) {
    return render(null, view, events);
  }

  /** The fragment; without a session, nothing that acts. */
  private static String render(Session session, JsonNode view, JsonNode events) {
    String upgradeId = view.path("upgradeId").asText();
    StringBuilder html = new StringBuilder(8192);
    if (view.path("upgradeId").isMissingNode()) {
      return "<div class=\"summary\"><p>Not recorded yet: this page fills in with the upgrade's"
          + " first event. An upgrade just submitted appears in a moment; an id the planner never"
          + " accepted stays like this (check it, or open the platform).</p></div>";
    }
    html.append("<div class=\"summary\"><p>Platform ")
        .append(text(view.path("platform").asText()))
        .append(" · ")
        .append(text(view.path("fromRelease").asText("?")))
        .append(" → ")
        .append(text(view.path("toRelease").asText("?")))
        .append(
            view.hasNonNull("requestedBy")
                ? " · requested by " + text(view.path("requestedBy").asText())
                : "")
        .append("</p><p>Status ")
        .append(state(view.path("status").asText()))
        .append(" · events <span class=\"count\">")
        .append(view.path("eventCount").asInt())
        .append("</span>");
    if (view.hasNonNull("startedAt")) {
      html.append(" · started ").append(time(view.path("startedAt").asText()));
    }
    if (view.hasNonNull("endedAt")) {
      html.append(" · ended ").append(time(view.path("endedAt").asText()));
    }
    html.append("</p>");
    if (view.hasNonNull("rollbackOf")) {
      html.append("<p>This rollback undoes <a href=\"/upgrades/")
          .append(segment(view.path("rollbackOf").asText()))
          .append("\">")
          .append(text(view.path("rollbackOf").asText()))
          .append("</a>.</p>");
    }
    for (JsonNode r : view.path("rollbacks")) {
      html.append("<p>Rolled back by <a href=\"/upgrades/")
          .append(segment(r.asText()))
          .append("\">")
          .append(text(r.asText()))
          .append("</a>.</p>");
    }
    JsonNode failure = view.path("failure");
    if (failure.isObject()) {
      html.append("<div class=\"failure\" role=\"alert\"><h2>Failure</h2><p>")
          .append(text(failure.path("reason").asText()))
          .append("</p><p>");
      if (failure.hasNonNull("failedGateId")) {
        html.append("gate ").append(text(failure.path("failedGateId").asText())).append(" ");
      }
      if (failure.hasNonNull("failedStepId")) {
        html.append("step ").append(text(failure.path("failedStepId").asText())).append(" ");
      }
      html.append(time(failure.path("at").asText())).append("</p></div>");
    }
    html.append("</div>");

    if (session != null) {
      html.append(actions(session, view));
    }
    html.append(approvals(session, view));

    // the plans: the upgrade's, then its rollbacks' beside it
    List<JsonNode> plans = plans(events);
    html.append("<div class=\"plans\">");
    if (plans.isEmpty()) {
      html.append("<p>Not planned yet.</p>");
    }
    for (JsonNode plan : plans) {
      html.append(plan(plan, view));
    }
    html.append("</div>");

    html.append("<h2>Versions</h2><table class=\"versions\"><thead><tr>")
        .append("<th scope=\"col\">component</th><th scope=\"col\">layer</th>")
        .append("<th scope=\"col\">from</th><th scope=\"col\">to</th>")
        .append("<th scope=\"col\">state</th></tr></thead><tbody>");
    for (JsonNode v : view.path("versions")) {
      html.append("<tr><td>")
          .append(text(v.path("component").asText()))
          .append("</td><td>")
          .append(text(v.path("layer").asText("")))
          .append("</td><td>")
          .append(text(v.path("from").isNull() ? "(new)" : v.path("from").asText()))
          .append("</td><td>")
          .append(text(v.path("to").isNull() ? "(removed)" : v.path("to").asText()))
          .append("</td><td>")
          .append(state(v.path("state").asText()))
          .append("</td></tr>");
    }
    html.append("</tbody></table>");
    return html.toString();
  }

  /** The plan.created events' plans, in log order (the upgrade's first). */
  static List<JsonNode> plans(JsonNode events) {
    List<JsonNode> plans = new ArrayList<>();
    JsonNode list = events.isArray() ? events : events.path("events");
    for (JsonNode e : list) {
      if (e.path("type").asText().equals("dev.lockstep.plan.created")) {
        plans.add(e.path("data").path("plan"));
      }
    }
    return plans;
  }

  /**
   * The pause, resume, cancel and roll back buttons the upgrade's status allows, each a link to its
   * confirmation page; to a token without the role, a line saying why there are none.
   */
  private static String actions(Session session, JsonNode view) {
    List<UpgradeAction> offered = UpgradeAction.offered(view);
    if (offered.isEmpty()) {
      return "";
    }
    String id = view.path("upgradeId").asText();
    StringBuilder html =
        new StringBuilder("<div class=\"actions\" role=\"group\" aria-label=\"actions\">");
    if (!session.has(UpgradeAction.ROLE)) {
      List<String> verbs = new ArrayList<>();
      for (UpgradeAction action : offered) {
        verbs.add(action.label().toLowerCase(Locale.ROOT));
      }
      return html.append("<p class=\"hint\">Your token has no ")
          .append(text(UpgradeAction.ROLE))
          .append(" role, so it cannot ")
          .append(text(String.join(" or ", verbs)))
          .append(" this upgrade.</p></div>")
          .toString();
    }
    for (UpgradeAction action : offered) {
      html.append("<a class=\"button\" id=\"action-")
          .append(action.word())
          .append("\" href=\"/upgrades/")
          .append(segment(id))
          .append("/")
          .append(action.word())
          .append("\">")
          .append(text(action.label()))
          .append("…</a> ");
    }
    return html.append("</div>").toString();
  }

  private static String approvals(Session session, JsonNode view) {
    StringBuilder html = new StringBuilder();
    for (JsonNode a : view.path("approvals")) {
      if (a.hasNonNull("approvedBy")) {
        continue;
      }
      html.append("<div class=\"approval\"><h2>Waiting for approval</h2><p>")
          .append(text(a.path("component").asText()))
          .append(": ")
          .append(text(a.path("message").asText()))
          .append(" (asked ")
          .append(time(a.path("requestedAt").asText()))
          .append(")</p>");
      if (session != null && session.has("approver")) {
        html.append("<a class=\"button\" href=\"/upgrades/")
            .append(segment(a.path("upgradeId").asText()))
            .append("/approve/")
            .append(segment(a.path("stepId").asText()))
            .append("\">Approve…</a>");
      } else if (session != null) {
        html.append("<p class=\"hint\">Your token has no approver role.</p>");
      }
      html.append("</div>");
    }
    return html.toString();
  }

  private static String plan(JsonNode plan, JsonNode view) {
    String owner = plan.path("upgradeId").asText();
    Map<String, JsonNode> steps = new HashMap<>();
    for (JsonNode s : view.path("steps")) {
      if (s.path("upgradeId").asText().equals(owner)) {
        steps.put(s.path("stepId").asText(), s);
      }
    }
    Map<String, JsonNode> gates = new LinkedHashMap<>();
    for (JsonNode g : view.path("gates")) {
      if (g.path("upgradeId").asText().equals(owner)) {
        gates.put(g.path("wave").asInt() + "/" + g.path("name").asText(), g);
      }
    }
    String mode = plan.path("mode").asText("upgrade");
    StringBuilder html = new StringBuilder();
    html.append("<section class=\"plan plan-")
        .append(text(mode))
        .append("\" aria-label=\"")
        .append(text(mode))
        .append(" plan\"><h2>")
        .append(mode.equals("rollback") ? "Rollback " : "Upgrade ")
        .append("<a href=\"/upgrades/")
        .append(segment(owner))
        .append("\">")
        .append(text(owner))
        .append("</a></h2><p>")
        .append(text(plan.path("fromRelease").asText("?")))
        .append(" → ")
        .append(text(plan.path("toRelease").asText("?")))
        .append("</p>");
    for (JsonNode wave : plan.path("waves")) {
      int index = wave.path("index").asInt();
      List<String> states = new ArrayList<>();
      StringBuilder inner = new StringBuilder("<ul class=\"steps\">");
      for (JsonNode step : wave.path("steps")) {
        JsonNode seen = steps.get(step.path("id").asText());
        String s = seen == null ? "pending" : seen.path("state").asText();
        states.add(s);
        inner
            .append("<li class=\"step\">")
            .append(state(s))
            .append(" ")
            .append(text(step.path("component").asText()))
            .append(": ")
            .append(text(step.path("action").asText()));
        if (step.hasNonNull("to")) {
          inner
              .append(" ")
              .append(text(step.path("from").asText("")))
              .append(" → ")
              .append(text(step.path("to").asText()));
        }
        if (seen != null && seen.hasNonNull("failure")) {
          inner.append("<br><span class=\"reason\">").append(text(seen.path("failure").asText()));
          inner.append("</span>");
        }
        inner.append("</li>");
      }
      inner.append("</ul>");
      for (JsonNode gate : wave.path("gates")) {
        JsonNode seen = gates.get(index + "/" + gate.path("name").asText());
        String s = seen == null ? "pending" : seen.path("state").asText();
        states.add(s);
        inner.append(gate(gate, seen, s));
      }
      String waveState = waveState(states);
      html.append("<section class=\"wave wave-")
          .append(text(waveState))
          .append("\" data-wave=\"")
          .append(index)
          .append("\"><h3>Wave ")
          .append(index)
          .append(" <span class=\"layer\">")
          .append(text(wave.path("layer").asText()))
          .append("</span> ")
          .append(state(waveState))
          .append("</h3>")
          .append(inner)
          .append("</section>");
    }
    return html.append("</section>").toString();
  }

  /** A wave's state from its steps' and gates': the first that says something. */
  static String waveState(List<String> states) {
    if (states.stream().anyMatch(s -> s.equals("failed") || s.equals("error"))) {
      return "failed";
    }
    if (states.stream().anyMatch(s -> s.equals("running") || s.equals("requested"))) {
      return "running";
    }
    if (states.stream().allMatch(s -> s.equals("pending"))) {
      return "pending";
    }
    if (states.stream().anyMatch(s -> s.equals("pending"))) {
      return "running";
    }
    return "done";
  }

  private static String gate(JsonNode gate, JsonNode seen, String s) {
    StringBuilder html = new StringBuilder();
    html.append("<div class=\"gate\" data-gate=\"")
        .append(text(gate.path("name").asText()))
        .append("\"><p>")
        .append(state(s))
        .append(" gate <strong>")
        .append(text(gate.path("name").asText()))
        .append("</strong> (")
        .append(text(gate.path("kind").asText()))
        .append(")</p><p class=\"condition\">succeeds when ")
        .append(text(condition(gate.path("spec"))))
        .append("</p>");
    if (seen != null) {
      if (seen.hasNonNull("reason")) {
        html.append("<p class=\"reason\">")
            .append(text(seen.path("reason").asText()))
            .append("</p>");
      }
      JsonNode measurements = seen.path("measurements");
      if (measurements.isArray() && !measurements.isEmpty()) {
        html.append(chart(measurements, threshold(gate.path("spec"))));
        html.append("<table class=\"measurements\"><caption>measurements</caption><thead><tr>")
            .append("<th scope=\"col\">#</th><th scope=\"col\">result</th>")
            .append("<th scope=\"col\">value</th><th scope=\"col\">message</th>")
            .append("<th scope=\"col\">at</th></tr></thead><tbody>");
        for (JsonNode m : measurements) {
          html.append("<tr><td>")
              .append(m.path("index").asInt())
              .append("</td><td>")
              .append(state(m.path("phase").asText()))
              .append("</td><td>")
              .append(text(m.path("value").asText("")))
              .append("</td><td>")
              .append(text(m.path("message").asText("")))
              .append("</td><td>")
              .append(time(m.path("measuredAt").asText()))
              .append("</td></tr>");
        }
        html.append("</tbody></table>");
      }
    }
    return html.append("</div>").toString();
  }

  /** What a gate's spec asks, in its own words (the analysis settings left out). */
  static String condition(JsonNode spec) {
    List<String> parts = new ArrayList<>();
    for (String field :
        List.of("successCondition", "check", "expectStatus", "jsonPath", "expectBody")) {
      JsonNode found = spec.findValue(field);
      if (found != null && !found.isNull()) {
        parts.add(field + " " + found.asText());
      }
    }
    if (!parts.isEmpty()) {
      return String.join(", ", parts);
    }
    return spec.isMissingNode() ? "(unknown)" : spec.toString();
  }

  /**
   * Each measurement as a bar: its numeric value's height when it has one, else full height; green
   * and a tick for a success, red and a cross for a failure, so that colour is never the only sign.
   * A success condition with a numeric threshold is a dashed line at its height, labelled with the
   * condition ("pass if &lt; 0.01"), on the bars' scale.
   */
  static String chart(JsonNode measurements, Optional<Threshold> threshold) {
    List<Double> values = new ArrayList<>();
    double max = threshold.map(t -> Math.abs(t.value())).orElse(0.0);
    for (JsonNode m : measurements) {
      Double v = number(m.path("value").asText(null));
      values.add(v);
      if (v != null) {
        max = Math.max(max, Math.abs(v));
      }
    }
    int n = values.size();
    int width = Math.max(threshold.isPresent() ? 160 : 120, n * 24);
    StringBuilder svg = new StringBuilder();
    svg.append("<svg class=\"chart\" role=\"img\" width=\"")
        .append(width)
        .append("\" height=\"64\" viewBox=\"0 0 ")
        .append(width)
        .append(" 64\"><title>")
        .append(n)
        .append(" measurements")
        .append(threshold.map(t -> text(", " + t.label())).orElse(""))
        .append("</title>");
    for (int i = 0; i < n; i++) {
      JsonNode m = measurements.get(i);
      String phase = m.path("phase").asText().toLowerCase(Locale.ROOT);
      Double v = values.get(i);
      double h = v == null || max == 0 ? 44 : Math.max(4, 44 * Math.abs(v) / max);
      int x = i * 24 + 4;
      svg.append("<rect class=\"bar bar-")
          .append(text(phase))
          .append("\" x=\"")
          .append(x)
          .append("\" y=\"")
          .append(String.format(Locale.ROOT, "%.1f", 48 - h))
          .append("\" width=\"16\" height=\"")
          .append(String.format(Locale.ROOT, "%.1f", h))
          .append("\"><title>")
          .append(text(phase + (v == null ? "" : " " + m.path("value").asText())))
          .append("</title></rect><text x=\"")
          .append(x + 8)
          .append("\" y=\"62\" text-anchor=\"middle\">")
          .append(phase.equals("successful") ? "✓" : phase.equals("failed") ? "✗" : "?")
          .append("</text>");
    }
    if (threshold.isPresent()) {
      Threshold t = threshold.get();
      double y = max == 0 ? 48 : 48 - 44 * Math.abs(t.value()) / max;
      String at = String.format(Locale.ROOT, "%.1f", y);
      // drawn after the bars, so that it shows across them; the label sits above the line, or
      // below it when the line is at the top
      svg.append("<line class=\"threshold\" x1=\"0\" x2=\"")
          .append(width)
          .append("\" y1=\"")
          .append(at)
          .append("\" y2=\"")
          .append(at)
          .append(
              "\" stroke=\"currentColor\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"><title>")
          .append(text(t.label()))
          .append("</title></line><text class=\"threshold-label\" x=\"")
          .append(width - 2)
          .append("\" y=\"")
          .append(String.format(Locale.ROOT, "%.1f", y - 3 < 10 ? y + 11 : y - 3))
          .append("\" text-anchor=\"end\">")
          .append(text(t.label()))
          .append("</text>");
    }
    return svg.append("</svg>").toString();
  }

  /**
   * A success condition's numeric threshold, to draw on a gate's chart.
   *
   * @param op the comparison, with the measured value on its left
   * @param value the threshold
   * @param number the threshold as the condition writes it
   */
  record Threshold(String op, double value, String number) {
    /** The line's label: what passes. */
    String label() {
      return "pass if " + op + " " + number;
    }
  }

  /**
   * The threshold of a gate's {@code successCondition} (the validator's condition language, see
   * docs/gates.md) when it is one comparison of the measured value with a number: {@code result <
   * 0.01}, {@code result[0] >= 1}, {@code 0.5 > result}, {@code all(result, {# < 0.05})}; empty for
   * anything else (a compound condition, {@code len(result)}, no condition).
   */
  static Optional<Threshold> threshold(JsonNode spec) {
    JsonNode condition = spec.findValue("successCondition");
    if (condition == null || !condition.isTextual()) {
      return Optional.empty();
    }
    return threshold(condition.asText());
  }

  static Optional<Threshold> threshold(String condition) {
    Matcher quantified = QUANTIFIED.matcher(condition);
    String comparison = quantified.matches() ? quantified.group(1) : condition;
    Matcher m = VALUE_FIRST.matcher(comparison);
    if (m.matches()) {
      return threshold(m.group(1), m.group(2));
    }
    m = NUMBER_FIRST.matcher(comparison);
    if (m.matches()) {
      String flipped =
          switch (m.group(2)) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> m.group(2);
          };
      return threshold(flipped, m.group(1));
    }
    return Optional.empty();
  }

  private static Optional<Threshold> threshold(String op, String number) {
    Double value = number(number);
    return value == null || value.isInfinite()
        ? Optional.empty()
        : Optional.of(new Threshold(op, value, number));
  }

  private static Double number(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The page's header around the live part. */
  public static String page(String upgradeId, JsonNode view, String live) {
    StringBuilder html = new StringBuilder();
    html.append("<h1>")
        .append(text(view.path("mode").asText("upgrade")))
        .append(" <span class=\"id\">")
        .append(text(upgradeId))
        .append("</span></h1><nav class=\"sub\" aria-label=\"upgrade\"><a href=\"/upgrades/")
        .append(segment(upgradeId))
        .append("/postmortem\">Post-mortem and timeline</a></nav>")
        .append("<div id=\"live\" hx-ext=\"sse\" sse-connect=\"/upgrades/")
        .append(segment(upgradeId))
        .append("/stream\" sse-swap=\"state\" aria-live=\"polite\">")
        .append(live)
        .append("</div>");
    return html.toString();
  }
}
