package dev.lockstep.runtime.kafka;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;

/**
 * Readiness of the service's consumers ({@code kafka-consumers} in {@code /health/readiness}): DOWN
 * while any consumer it started is restarting after its loop failed, with the group and the error;
 * UP again by itself once the consumer polls normally. A consumer still joining its group, or one
 * the group gave no partitions, is not a failure; nor is one retrying a handler failure that may
 * heal (the process is alive and keeps order; see the gauge {@code lockstep.consumer.retrying}).
 */
@Singleton
@Readiness
public class ConsumersHealthIndicator implements HealthIndicator {
  /** The indicator's name in the health report. */
  public static final String NAME = "kafka-consumers";

  private final EventConsumers consumers;

  public ConsumersHealthIndicator(EventConsumers consumers) {
    this.consumers = consumers;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    return Publishers.just(result());
  }

  /** The current result. */
  public HealthResult result() {
    boolean down = false;
    Map<String, Map<String, Object>> details = new LinkedHashMap<>();
    for (EventConsumer consumer : consumers.running()) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("state", consumer.state().name().toLowerCase(java.util.Locale.ROOT));
      detail.put("retrying", consumer.retrying());
      var failure = consumer.failure();
      if (failure.isPresent()) {
        down = true;
        detail.put("error", failure.get().error());
        detail.put("since", failure.get().at().toString());
        detail.put("failures", failure.get().restarts());
      }
      // Two consumers of one group in a process: the failing one is the one to tell.
      details.merge(consumer.spec().group(), detail, (a, b) -> b.containsKey("error") ? b : a);
    }
    return HealthResult.builder(NAME, down ? HealthStatus.DOWN : HealthStatus.UP)
        .details(details)
        .build();
  }
}
