package dev.lockstep.manifest;

import static dev.lockstep.manifest.ReleaseParser.INVALID_MANIFEST;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks of a release's gates (of the release and of each component): one kind each, known
 * fields, names once, durations and limits well formed, each kind's own fields.
 */
final class GateChecks extends ManifestNodes {
  private static final Set<String> GATE =
      Set.of(
          "name",
          "kubernetes",
          "http",
          "prometheus",
          "sql",
          "approval",
          "interval",
          "count",
          "failureLimit",
          "consecutiveSuccessLimit",
          "consecutiveErrorLimit",
          "timeout");
  private static final List<String> GATE_KINDS =
      List.of("kubernetes", "http", "prometheus", "sql", "approval");
  private static final Set<String> KUBERNETES_CHECK = Set.of("check", "target", "status");
  private static final Set<String> KUBERNETES_CHECKS =
      Set.of("rollout", "pods-ready", "no-restarts", "job-succeeded", "status");
  private static final Set<String> HTTP_CHECK =
      Set.of("url", "method", "expectStatus", "jsonPath", "expectBody", "headers", "timeout");
  private static final Set<String> PROMETHEUS_CHECK =
      Set.of("address", "query", "successCondition", "failureCondition");
  private static final Set<String> SQL_CHECK =
      Set.of("datasource", "query", "expect", "compareToBaseline");
  private static final Set<String> APPROVAL_CHECK = Set.of("message");

  GateChecks(String base, List<ErrorDetail> errors) {
    super(base, errors);
  }

  void gates(JsonNode gates, String path) {
    if (gates == null || !array(gates, path)) {
      return;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < gates.size(); i++) {
      JsonNode gate = gates.get(i);
      String p = path + "[" + i + "]";
      if (!object(gate, p)) {
        continue;
      }
      unknown(gate, p, GATE);
      String name = string(gate, p, "name", true);
      if (name != null && !names.add(name)) {
        error(INVALID_MANIFEST, p + ".name", "gate '" + name + "' is declared twice");
      }
      List<String> kinds = GATE_KINDS.stream().filter(gate::has).toList();
      if (kinds.size() != 1) {
        error(
            INVALID_MANIFEST,
            p,
            "gate '"
                + name
                + "' must have exactly one of "
                + GATE_KINDS
                + "; it has "
                + (kinds.isEmpty() ? "none" : kinds));
      }
      duration(gate, p, "interval");
      duration(gate, p, "timeout");
      for (String limit :
          List.of("count", "failureLimit", "consecutiveSuccessLimit", "consecutiveErrorLimit")) {
        JsonNode value = gate.get(limit);
        if (value != null
            && (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0)) {
          error(INVALID_MANIFEST, p + "." + limit, limit + " must be a whole number >= 0");
        }
      }
      JsonNode k = gate.get("kubernetes");
      if (k != null && object(k, p + ".kubernetes")) {
        unknown(k, p + ".kubernetes", KUBERNETES_CHECK);
        String check = string(k, p + ".kubernetes", "check", true);
        if (check != null && !KUBERNETES_CHECKS.contains(check)) {
          error(
              INVALID_MANIFEST,
              p + ".kubernetes.check",
              "check '" + check + "' is not one of " + KUBERNETES_CHECKS);
        }
        if (require(k.get("target"), p + ".kubernetes.target")) {
          objectRef(k.get("target"), p + ".kubernetes.target", false);
        }
      }
      JsonNode h = gate.get("http");
      if (h != null && object(h, p + ".http")) {
        unknown(h, p + ".http", HTTP_CHECK);
        String url = string(h, p + ".http", "url", true);
        if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
          error(INVALID_MANIFEST, p + ".http.url", "url '" + url + "' is not http(s)");
        }
        duration(h, p + ".http", "timeout");
      }
      JsonNode pr = gate.get("prometheus");
      if (pr != null && object(pr, p + ".prometheus")) {
        unknown(pr, p + ".prometheus", PROMETHEUS_CHECK);
        string(pr, p + ".prometheus", "query", true);
        String success = string(pr, p + ".prometheus", "successCondition", false);
        String failure = string(pr, p + ".prometheus", "failureCondition", false);
        if (success == null && failure == null) {
          error(
              INVALID_MANIFEST,
              p + ".prometheus",
              "gate '" + name + "' needs a successCondition or a failureCondition");
        }
      }
      JsonNode s = gate.get("sql");
      if (s != null && object(s, p + ".sql")) {
        unknown(s, p + ".sql", SQL_CHECK);
        string(s, p + ".sql", "datasource", true);
        string(s, p + ".sql", "query", true);
        boolean baseline = s.path("compareToBaseline").asBoolean(false);
        if (!baseline && !s.has("expect")) {
          error(
              INVALID_MANIFEST,
              p + ".sql",
              "gate '" + name + "' needs expect or compareToBaseline: true");
        }
      }
      JsonNode a = gate.get("approval");
      if (a != null && object(a, p + ".approval")) {
        unknown(a, p + ".approval", APPROVAL_CHECK);
      }
    }
  }
}
