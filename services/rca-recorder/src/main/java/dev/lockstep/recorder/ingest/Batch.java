package dev.lockstep.recorder.ingest;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One poll's events as the rows the recorder stores (one row per event, duplicates within the batch
 * dropped) and the upgrades they touch.
 *
 * @param rows the rows to append, in the order read
 * @param envelopes the events the rows were made of, by event id (the first of duplicates)
 * @param upgradeIds the upgrades the rows belong to
 * @param events how many events the poll held (duplicates within the batch included)
 */
public record Batch(
    List<EventRow> rows, Map<String, EventEnvelope> envelopes, Set<String> upgradeIds, int events) {

  /** Sorts a poll's events; pure. */
  public static Batch of(List<ConsumedEvent> events, EventCodec codec) {
    Map<String, EventRow> rows = new LinkedHashMap<>();
    Map<String, EventEnvelope> envelopes = new LinkedHashMap<>();
    Set<String> upgradeIds = new LinkedHashSet<>();
    for (ConsumedEvent consumed : events) {
      if (envelopes.putIfAbsent(consumed.event().id(), consumed.event()) != null) {
        continue;
      }
      EventRow row =
          EventRow.of(
              consumed.topic(), consumed.partition(), consumed.offset(), consumed.event(), codec);
      rows.put(row.eventId(), row);
      if (row.upgradeId() != null) {
        upgradeIds.add(row.upgradeId());
      }
    }
    return new Batch(List.copyOf(rows.values()), envelopes, upgradeIds, events.size());
  }

  /**
   * The events the table took as new, each as its stored row reads back: with the time as stored
   * (PostgreSQL keeps microseconds). Pure.
   *
   * @param stored the ids of the rows that were new, with their stored times
   */
  public List<EventEnvelope> asStored(Map<String, Instant> stored) {
    List<EventEnvelope> events = new ArrayList<>(stored.size());
    stored.forEach(
        (id, time) -> {
          EventEnvelope e = envelopes.get(id);
          if (e != null) {
            events.add(
                new EventEnvelope(
                    e.id(),
                    e.source(),
                    e.type(),
                    e.version(),
                    e.subject(),
                    time,
                    e.platform(),
                    e.causationId(),
                    e.traceparent(),
                    e.data()));
          }
        });
    return events;
  }
}
