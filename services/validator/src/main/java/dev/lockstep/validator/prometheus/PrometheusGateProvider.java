package dev.lockstep.validator.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import dev.lockstep.manifest.Gate;
import dev.lockstep.validator.condition.Condition;
import dev.lockstep.validator.condition.ConditionException;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import dev.lockstep.validator.provider.Urls;
import dev.lockstep.validator.reach.GateReach;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.util.SupplierUtil;
import jakarta.annotation.Nullable;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Measures {@code prometheus} gates with an instant query ({@code /api/v1/query}) to the server the
 * gate names ({@code address: <name>}, one of {@code lockstep.validator.prometheus.servers.<name>}
 * that the platform's {@code prometheus-servers} allows; never a URL from the manifest) or to
 * {@code lockstep.validator.prometheus.url} when it names none, and the gate's conditions on the
 * result (see {@link Condition}). An empty result is inconclusive; an unreachable Prometheus, a
 * query error or a condition that cannot be evaluated is an error. When the failure condition holds
 * the measurement failed; otherwise the success condition decides (successful when there is none).
 */
@Singleton
public class PrometheusGateProvider implements GateProvider {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** What a gate's {@code address} must look like: the name of a configured server. */
  private static final Pattern SERVER_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

  private final String defaultAddress;
  private final Environment environment;
  private final GateReach reach;

  /** Made on the first prometheus gate: a JDK client starts a thread and loads the trust store. */
  private final Supplier<HttpClient> client =
      SupplierUtil.memoized(() -> HttpClient.newBuilder().connectTimeout(TIMEOUT).build());

  public PrometheusGateProvider(
      @Nullable @Value("${lockstep.validator.prometheus.url:}") String defaultAddress,
      Environment environment,
      GateReach reach) {
    this.defaultAddress = defaultAddress == null ? "" : defaultAddress;
    this.environment = environment;
    this.reach = reach;
  }

  @Override
  public String kind() {
    return "prometheus";
  }

  @Override
  public CompletableFuture<Outcome> measure(MeasureRequest request) {
    Gate.PrometheusCheck check = request.gate().prometheus();
    Condition success;
    Condition failure;
    try {
      success = check.successCondition() == null ? null : Condition.parse(check.successCondition());
      failure = check.failureCondition() == null ? null : Condition.parse(check.failureCondition());
    } catch (ConditionException e) {
      return CompletableFuture.completedFuture(Outcome.error(e.getMessage()));
    }
    String address;
    if (check.address() == null) {
      address = defaultAddress;
      if (address.isBlank()) {
        return CompletableFuture.completedFuture(
            Outcome.error(
                "no Prometheus server: the gate names none and lockstep.validator.prometheus.url"
                    + " is not set"));
      }
    } else {
      String server = check.address();
      if (!SERVER_NAME.matcher(server).matches()) {
        return CompletableFuture.completedFuture(
            Outcome.error(
                "refused: address must name a Prometheus server configured for the platform"
                    + " (lockstep.platforms.<id>.gates.prometheus-servers), not a URL or an"
                    + " address: "
                    + Urls.redact(server)));
      }
      if (!reach.allowsPrometheus(request.platform(), server)) {
        return CompletableFuture.completedFuture(
            Outcome.error(
                "refused: the Prometheus server '"
                    + server
                    + "' is not allowed for the platform ("
                    + GateReach.prefix(request.platform())
                    + "prometheus-servers)"));
      }
      Optional<String> url =
          environment.getProperty(
              "lockstep.validator.prometheus.servers." + server + ".url", String.class);
      if (url.isEmpty() || url.get().isBlank()) {
        return CompletableFuture.completedFuture(
            Outcome.error(
                "the Prometheus server '"
                    + server
                    + "' is not configured (lockstep.validator.prometheus.servers."
                    + server
                    + ".url)"));
      }
      address = url.get();
    }
    HttpRequest httpRequest;
    try {
      URI uri =
          URI.create(
              address.replaceAll("/+$", "")
                  + "/api/v1/query?query="
                  + URLEncoder.encode(check.query(), StandardCharsets.UTF_8));
      httpRequest = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          Outcome.error("bad Prometheus address: " + Urls.redact(address)));
    }
    return client
        .get()
        .sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error.getCause() == null ? error : error.getCause();
                return Outcome.error(
                    "Prometheus at "
                        + Urls.redact(address)
                        + " cannot be queried: "
                        + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
              }
              return judge(check.query(), response, success, failure);
            });
  }

  static Outcome judge(
      String query, HttpResponse<String> response, Condition success, Condition failure) {
    JsonNode body;
    try {
      body = Json.mapper().readTree(response.body());
    } catch (Exception e) {
      return Outcome.error("Prometheus answered " + response.statusCode() + " without JSON");
    }
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      return Outcome.error(
          "Prometheus answered "
              + response.statusCode()
              + ": "
              + body.path("errorType").asText("")
              + " "
              + body.path("error").asText(""));
    }
    List<Double> values;
    try {
      values = values(body.path("data"));
    } catch (IllegalArgumentException e) {
      return Outcome.error(e.getMessage());
    }
    if (values.isEmpty()) {
      return Outcome.inconclusive("no data: '" + query + "' returned an empty result");
    }
    String value =
        values.size() == 1
            ? format(values.get(0))
            : values.stream().map(PrometheusGateProvider::format).toList().toString();
    try {
      if (failure != null && failure.test(values)) {
        return Outcome.failed(
            value, "result " + value + " meets the failure condition '" + failure + "'");
      }
      if (success == null) {
        return Outcome.successful(
            value,
            failure == null
                ? "result " + value
                : "result " + value + " does not meet the failure condition '" + failure + "'");
      }
      boolean ok = success.test(values);
      return Outcome.of(
          ok, value, "result " + value + (ok ? " meets" : " does not meet") + " '" + success + "'");
    } catch (ConditionException e) {
      return Outcome.error(e.getMessage());
    }
  }

  /** The numbers of a query result: a scalar, or the samples of a vector. */
  static List<Double> values(JsonNode data) {
    String type = data.path("resultType").asText();
    JsonNode result = data.path("result");
    List<Double> values = new ArrayList<>();
    switch (type) {
      case "scalar" -> values.add(number(result.path(1)));
      case "vector" -> {
        for (JsonNode sample : result) {
          values.add(number(sample.path("value").path(1)));
        }
      }
      default ->
          throw new IllegalArgumentException(
              "the query returned a " + type + "; a gate needs a scalar or an instant vector");
    }
    return values;
  }

  private static double number(JsonNode text) {
    String s = text.asText();
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("Prometheus returned '" + s + "', not a number");
        }
      }
    };
  }

  private static String format(double value) {
    if (value == Math.rint(value) && !Double.isInfinite(value)) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
