package dev.lockstep.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka client properties reach every client with their dotted names as configured. */
class KafkaSettingsTest {
  @Test
  void clientPropertiesKeepTheirDottedNames() {
    Map<String, Object> yaml =
        Map.of(
            "lockstep",
            Map.of(
                "kafka",
                Map.of(
                    "bootstrap-servers",
                    "kafka-0:9092",
                    "properties",
                    Map.of("session.timeout.ms", "10000", "security.protocol", "SASL_SSL"))));
    try (ApplicationContext context =
        ApplicationContext.builder()
            .propertySources(PropertySource.of("file", yaml))
            .properties(Map.of("lockstep.security.jwt-secret", "x".repeat(32)))
            .start()) {
      Map<String, Object> common = context.getBean(KafkaSettings.class).common();

      assertThat(common)
          .containsEntry("bootstrap.servers", "kafka-0:9092")
          .containsEntry("session.timeout.ms", "10000")
          .containsEntry("security.protocol", "SASL_SSL");
    }
  }
}
