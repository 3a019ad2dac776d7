package dev.lockstep.runtime.kafka;

import io.micronaut.context.annotation.Secondary;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the most recent processed-event keys in memory (bounded, oldest forgotten first).
 * Replaced by a durable implementation where a service has a database.
 */
@Singleton
@Secondary
public class InMemoryProcessedEvents implements ProcessedEvents {
  private final Map<String, Boolean> keys;

  public InMemoryProcessedEvents(
      @Value("${lockstep.kafka.processed-events-capacity:100000}") int capacity) {
    this.keys =
        new LinkedHashMap<>(1024, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  @Override
  public synchronized boolean isProcessed(String consumer, String eventId) {
    return keys.containsKey(consumer + '\u0000' + eventId);
  }

  @Override
  public synchronized void markProcessed(String consumer, String eventId) {
    keys.put(consumer + '\u0000' + eventId, Boolean.TRUE);
  }
}
