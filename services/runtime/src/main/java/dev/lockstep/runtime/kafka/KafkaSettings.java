package dev.lockstep.runtime.kafka;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.env.Environment;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;

/**
 * How a service reaches Kafka ({@code lockstep.kafka.*}): the bootstrap servers and extra client
 * properties (security protocol, SASL, ...), which are passed through to every client.
 */
@ConfigurationProperties("lockstep.kafka")
public class KafkaSettings {
  private String bootstrapServers = "localhost:9092";
  private Map<String, String> properties = new HashMap<>();

  /** The brokers to bootstrap from. */
  public String getBootstrapServers() {
    return bootstrapServers;
  }

  public void setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /** Extra client properties, for example {@code security.protocol}. */
  public Map<String, String> getProperties() {
    return properties;
  }

  public void setProperties(Map<String, String> properties) {
    this.properties = new HashMap<>(properties);
  }

  /**
   * Reads {@code lockstep.kafka.properties.*} with Kafka's dotted keys as written ({@code
   * session.timeout.ms}): bound as a map, the keys would be split at their dots.
   */
  @Inject
  void readProperties(Environment environment) {
    environment
        .getProperties("lockstep.kafka.properties")
        .forEach((key, value) -> properties.put(key, String.valueOf(value)));
  }

  /** The properties common to producers and consumers. */
  public Map<String, Object> common() {
    Map<String, Object> common = new HashMap<>(properties);
    common.put("bootstrap.servers", bootstrapServers);
    return common;
  }
}
