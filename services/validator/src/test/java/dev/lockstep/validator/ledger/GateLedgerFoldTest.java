package dev.lockstep.validator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.manifest.Gate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ledger rebuilt from events: which gates still need work after a restart, what they measured
 * already, and the baselines captured before a change.
 */
class GateLedgerFoldTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
  private static final Gate ROWS =
      new Gate(
          "rows",
          null,
          null,
          null,
          new Gate.SqlCheck("orders", "select count(*) from orders", null, true),
          null,
          null,
          null,
          null,
          null,
          null,
          null);

  private static EventEnvelope event(EventPayload payload, EventEnvelope cause) {
    return EventEnvelope.create(EventCatalog.standard(), "test", "p1", "u1", payload, cause, CLOCK);
  }

  private static EventEnvelope requested(GatePurpose purpose) {
    return event(
        new GateRequested(
            "u1", "p1", "w0-rows", 0, new PlannedGate("rows", "sql", null, ROWS), purpose, null),
        null);
  }

  private static Measurement m(int index, String value) {
    return new Measurement(index, MeasurementPhase.SUCCESSFUL, value, "ok", CLOCK.instant());
  }

  @Test
  void aGateWithoutAVerdictIsUnfinishedWithItsMeasurements() {
    GateLedger ledger = new GateLedger();
    EventEnvelope request = requested(GatePurpose.VERIFY);
    ledger.request(request, 0);
    ledger.apply(event(new GateMeasured("u1", "w0-rows", "rows", "sql", m(0, "3")), request));
    ledger.apply(event(new GateMeasured("u1", "w0-rows", "rows", "sql", m(1, "3")), request));

    GateKey key = new GateKey("u1", "w0-rows", GatePurpose.VERIFY);
    assertThat(ledger.unfinished()).containsExactly(key);
    assertThat(ledger.measurements(key)).extracting(Measurement::index).containsExactly(0, 1);
  }

  @Test
  void aRepeatedMeasurementIndexIsKeptOnce() {
    GateLedger ledger = new GateLedger();
    EventEnvelope request = requested(GatePurpose.VERIFY);
    ledger.request(request, 0);
    ledger.apply(event(new GateMeasured("u1", "w0-rows", "rows", "sql", m(0, "3")), request));
    ledger.apply(event(new GateMeasured("u1", "w0-rows", "rows", "sql", m(0, "4")), request));

    assertThat(ledger.measurements(new GateKey("u1", "w0-rows", GatePurpose.VERIFY)))
        .singleElement()
        .satisfies(x -> assertThat(x.value()).isEqualTo("3"));
  }

  @Test
  void aVerdictFinishesTheGateAndARepeatedRequestIsNotNew() {
    GateLedger ledger = new GateLedger();
    EventEnvelope request = requested(GatePurpose.VERIFY);
    assertThat(ledger.request(request, 0)).isTrue();
    ledger.apply(
        event(new GateFailed("u1", "w0-rows", "rows", "sql", "rows vanished", List.of()), request));

    assertThat(ledger.unfinished()).isEmpty();
    assertThat(ledger.request(request, 0)).isFalse();
    assertThat(ledger.request(requested(GatePurpose.VERIFY), 0)).isFalse();
  }

  @Test
  void aCaptureAndAVerifyOfTheSameGateAreSeparateAndTheBaselineIsKept() {
    GateLedger ledger = new GateLedger();
    EventEnvelope capture = requested(GatePurpose.CAPTURE_BASELINE);
    ledger.request(capture, 0);
    ledger.apply(
        event(new GatePassed("u1", "w0-rows", "rows", "sql", List.of(m(0, "3")), "3"), capture));

    assertThat(ledger.request(requested(GatePurpose.VERIFY), 0)).isTrue();
    assertThat(ledger.baseline("u1", "rows")).isEqualTo("3");
    assertThat(ledger.baseline("u2", "rows")).isNull();
  }

  @Test
  void eventsOfUnknownRequestsAreIgnored() {
    GateLedger ledger = new GateLedger();
    EventEnvelope stranger = requested(GatePurpose.VERIFY);
    ledger.apply(event(new GatePassed("u1", "w0-rows", "rows", "sql", List.of(), "9"), stranger));

    assertThat(ledger.unfinished()).isEmpty();
    assertThat(ledger.baseline("u1", "rows")).isNull();
  }
}
