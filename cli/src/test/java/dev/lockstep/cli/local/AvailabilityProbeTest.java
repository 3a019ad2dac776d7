package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.local.AvailabilityProbe.Sample;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The prober's figures: a component is unavailable from a failed probe that follows a success to
 * the next success, and to the end of the upgrade when it never answered again.
 */
class AvailabilityProbeTest {
  private static final Instant T0 = Instant.parse("2026-12-06T22:00:00Z");
  private static final URI METIS = URI.create("http://127.0.0.1:1/core/metis/health");

  private static Sample at(long millis, boolean ok) {
    return new Sample(T0.plusMillis(millis), ok);
  }

  @Test
  void eachStretchOfFailuresCountsUntilTheNextSuccess() {
    ComponentAvailability metis =
        AvailabilityProbe.of(
            "metis",
            METIS,
            List.of(
                at(0, true),
                at(450, false),
                at(900, false),
                at(1350, true),
                at(1800, false),
                at(2250, true)),
            T0.plusSeconds(3));

    assertThat(metis.requests()).isEqualTo(6);
    assertThat(metis.failures()).isEqualTo(3);
    assertThat(metis.unavailable()).isEqualTo(Duration.ofMillis(900 + 450));
    assertThat(metis.longestOutage()).isEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aComponentThatNeverAnsweredAgainIsUnavailableToTheEnd() {
    ComponentAvailability metis =
        AvailabilityProbe.of(
            "metis", METIS, List.of(at(0, true), at(1000, false)), T0.plusSeconds(5));

    assertThat(metis.unavailable()).isEqualTo(Duration.ofSeconds(4));
    assertThat(metis.longestOutage()).isEqualTo(Duration.ofSeconds(4));
    assertThat(
            AvailabilityProbe.of("metis", METIS, List.of(at(0, true)), T0.plusSeconds(5))
                .unavailable())
        .isZero();
  }
}
