package dev.lockstep.validator.ledger;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Measurement;
import jakarta.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the validator knows of every gate, as a fold over the events: the requests (from {@code
 * lockstep.execution}) and the measurements and verdicts it published (on {@code lockstep.gates},
 * tied to their request by the causation id). It decides which gates still need work after a
 * restart, and keeps the baselines that verify gates compare with. Each gate remembers the
 * partition of its platform, so that an instance resumes only the gates of the partitions it owns.
 * Thread-safe.
 */
@Singleton
public final class GateLedger {
  private final Map<String, GateKey> requestIds = new HashMap<>();
  private final Map<GateKey, Entry> entries = new LinkedHashMap<>();
  private final Map<String, String> baselines = new HashMap<>();
  private final Map<String, String> firstBaselines = new HashMap<>();

  /**
   * Records a gate request; true when the gate is new (it must be evaluated), false when the same
   * gate was requested before (a redelivery or a repeated request: its evaluation runs or ran).
   */
  public synchronized boolean request(EventEnvelope event, int partition) {
    GateRequested request = event.dataAs(GateRequested.class);
    GateKey key = GateKey.of(request);
    requestIds.putIfAbsent(event.id(), key);
    if (entries.containsKey(key)) {
      return false;
    }
    entries.put(key, new Entry(event, partition));
    return true;
  }

  /**
   * Applies an event of the gates topic; events whose request is unknown, and measurements already
   * known (by index), are ignored.
   */
  public synchronized void apply(EventEnvelope event) {
    GateKey key = event.causationId() == null ? null : requestIds.get(event.causationId());
    Entry entry = key == null ? null : entries.get(key);
    if (entry == null) {
      return;
    }
    if (event.data() instanceof GateMeasured measured) {
      entry.add(measured.measurement());
    } else if (event.data() instanceof GatePassed passed) {
      entry.verdict = true;
      if (passed.baseline() != null && key.purpose() == GatePurpose.CAPTURE_BASELINE) {
        baselines.put(baselineKey(key.upgradeId(), passed.gateName()), passed.baseline());
        firstBaselines.putIfAbsent(
            baselineKey(key.upgradeId(), passed.gateName()), passed.baseline());
      }
    } else if (event.data() instanceof GateFailed) {
      entry.verdict = true;
    }
  }

  /** The gates requested whose verdict is not on the log, in request order. */
  public synchronized List<GateKey> unfinished() {
    return entries.entrySet().stream()
        .filter(e -> !e.getValue().verdict)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The gates of these partitions (of their platform's key) whose verdict is not on the log. */
  public synchronized List<GateKey> unfinished(Set<Integer> partitions) {
    return entries.entrySet().stream()
        .filter(e -> !e.getValue().verdict && partitions.contains(e.getValue().partition))
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The request event of a gate. */
  public synchronized Optional<EventEnvelope> requestEvent(GateKey key) {
    Entry entry = entries.get(key);
    return entry == null ? Optional.empty() : Optional.of(entry.event);
  }

  /** The measurements published for a gate, by index. */
  public synchronized List<Measurement> measurements(GateKey key) {
    Entry entry = entries.get(key);
    return entry == null ? List.of() : List.copyOf(entry.measurements);
  }

  /** Whether a gate's verdict is published. */
  public synchronized boolean hasVerdict(GateKey key) {
    Entry entry = entries.get(key);
    return entry != null && entry.verdict;
  }

  /** The baseline captured last for a gate name of an upgrade (before its latest wave), or null. */
  public synchronized @Nullable String baseline(String upgradeId, String gateName) {
    return baselines.get(baselineKey(upgradeId, gateName));
  }

  /**
   * The baseline captured first for a gate name of an upgrade (before it changed anything), or
   * null: what the verification of its rollback compares with.
   */
  public synchronized @Nullable String baselineBefore(String upgradeId, String gateName) {
    return firstBaselines.get(baselineKey(upgradeId, gateName));
  }

  private static String baselineKey(String upgradeId, String gateName) {
    return upgradeId + "\u0000" + gateName;
  }

  private static final class Entry {
    final EventEnvelope event;
    final int partition;
    final List<Measurement> measurements = new ArrayList<>();
    boolean verdict;

    Entry(EventEnvelope event, int partition) {
      this.event = event;
      this.partition = partition;
    }

    void add(Measurement measurement) {
      if (measurement.index() == measurements.size()) {
        measurements.add(measurement);
      }
    }
  }
}
