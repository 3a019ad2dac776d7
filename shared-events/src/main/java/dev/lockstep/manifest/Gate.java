package dev.lockstep.manifest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import jakarta.annotation.Nullable;

/**
 * A check that must pass before an upgrade proceeds: exactly one of the kinds, with Argo
 * Rollouts-style analysis settings. Durations are Go style ({@code 10s}, {@code 5m}).
 *
 * @param name unique among the gates of a wave
 * @param kubernetes a cluster check
 * @param http an HTTP check
 * @param prometheus a PromQL check
 * @param sql a data-integrity check
 * @param approval a person must approve
 * @param interval time between measurements
 * @param count how many measurements to take
 * @param failureLimit failed measurements tolerated
 * @param consecutiveSuccessLimit consecutive successes that pass the gate early
 * @param consecutiveErrorLimit consecutive provider errors tolerated
 * @param timeout the longest the gate may take overall
 */
public record Gate(
    String name,
    @Nullable KubernetesCheck kubernetes,
    @Nullable HttpCheck http,
    @Nullable PrometheusCheck prometheus,
    @Nullable SqlCheck sql,
    @Nullable ApprovalCheck approval,
    @Nullable String interval,
    @Nullable Integer count,
    @Nullable Integer failureLimit,
    @Nullable Integer consecutiveSuccessLimit,
    @Nullable Integer consecutiveErrorLimit,
    @Nullable String timeout) {

  /** The time between measurements when a gate does not say. */
  public static final java.time.Duration DEFAULT_INTERVAL = java.time.Duration.ofSeconds(10);

  /** The kind of this gate: {@code kubernetes}, {@code http}, {@code prometheus}, ... */
  @JsonIgnore
  public String kind() {
    if (kubernetes != null) {
      return "kubernetes";
    }
    if (http != null) {
      return "http";
    }
    if (prometheus != null) {
      return "prometheus";
    }
    if (sql != null) {
      return "sql";
    }
    return "approval";
  }

  /**
   * A Kubernetes check.
   *
   * @param check what to check: {@code rollout}, {@code pods-ready}, {@code no-restarts}, {@code
   *     job-succeeded} or {@code status}
   * @param target the object checked
   * @param status for {@code status}: dotted status paths and their expected values
   */
  public record KubernetesCheck(
      String check, ObjectRef target, @Nullable java.util.Map<String, Object> status) {}

  /**
   * An HTTP check.
   *
   * @param url the URL
   * @param method GET when null
   * @param expectStatus the status that passes
   * @param jsonPath a JSONPath into the body
   * @param expectBody a regular expression the body (or the JSONPath's value) must match
   * @param headers header names to secret references ({@code secret:gates/metis-token}), never
   *     secret values
   * @param timeout per request
   */
  public record HttpCheck(
      String url,
      @Nullable String method,
      @Nullable Integer expectStatus,
      @Nullable String jsonPath,
      @Nullable String expectBody,
      @Nullable java.util.Map<String, String> headers,
      @Nullable String timeout) {}

  /**
   * A Prometheus instant-query check.
   *
   * @param address the Prometheus base URL; the validator's default when null
   * @param query PromQL
   * @param successCondition for example {@code result < 0.01}
   * @param failureCondition for example {@code result > 0.05}
   */
  public record PrometheusCheck(
      @Nullable String address,
      String query,
      @Nullable String successCondition,
      @Nullable String failureCondition) {}

  /**
   * A SQL check against a configured datasource.
   *
   * @param datasource the name of a datasource configured in the validator (never a URL with a
   *     password)
   * @param query a query returning one value
   * @param expect the value that passes, or null with {@code compareToBaseline}
   * @param compareToBaseline pass when the value equals the one captured before the change
   */
  public record SqlCheck(
      String datasource,
      String query,
      @Nullable String expect,
      @Omittable boolean compareToBaseline) {}

  /**
   * A person must approve.
   *
   * @param message what the approver is asked
   */
  public record ApprovalCheck(@Nullable String message) {}
}
