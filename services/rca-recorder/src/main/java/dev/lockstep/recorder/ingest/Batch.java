package dev.lockstep.recorder.ingest;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.runtime.kafka.ConsumedEvent;
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
 * @param upgradeIds the upgrades the rows belong to
 * @param events how many events the poll held (duplicates within the batch included)
 */
public record Batch(List<EventRow> rows, Set<String> upgradeIds, int events) {

  /** Sorts a poll's events; pure. */
  public static Batch of(List<ConsumedEvent> events, EventCodec codec) {
    Map<String, EventRow> rows = new LinkedHashMap<>();
    Set<String> upgradeIds = new LinkedHashSet<>();
    for (ConsumedEvent consumed : events) {
      EventRow row =
          EventRow.of(
              consumed.topic(), consumed.partition(), consumed.offset(), consumed.event(), codec);
      rows.putIfAbsent(row.eventId(), row);
      if (row.upgradeId() != null) {
        upgradeIds.add(row.upgradeId());
      }
    }
    return new Batch(List.copyOf(rows.values()), upgradeIds, events.size());
  }
}
