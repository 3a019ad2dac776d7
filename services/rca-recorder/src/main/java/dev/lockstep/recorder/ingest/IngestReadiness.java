package dev.lockstep.recorder.ingest;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.reactivestreams.Publisher;

/**
 * Readiness of the recorder's ingest: DOWN until recovery from Kafka has finished and live ingest
 * started (while this instance rebuilds, waits for another instance's rebuild, or retries one that
 * failed), so that {@code /health/readiness} answers 503 while the store may have a gap.
 */
@Singleton
@Readiness
@Requires(property = "lockstep.recorder.ingest.enabled", notEquals = "false")
public class IngestReadiness implements HealthIndicator {
  static final String NAME = "recorder-ingest";

  private final Ingest ingest;

  public IngestReadiness(Ingest ingest) {
    this.ingest = ingest;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    boolean consuming = ingest.consumer() != null;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("consuming", consuming);
    if (!consuming) {
      details.put("recovery", ingest.recovery().phase().name().toLowerCase(Locale.ROOT));
      String failure = ingest.recovery().lastFailure();
      if (!failure.isEmpty()) {
        details.put("lastFailure", failure);
      }
    }
    return Publishers.just(
        HealthResult.builder(NAME, consuming ? HealthStatus.UP : HealthStatus.DOWN)
            .details(details)
            .build());
  }
}
