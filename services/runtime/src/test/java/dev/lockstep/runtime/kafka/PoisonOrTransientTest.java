package dev.lockstep.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Which handler failures dead-letter an event (its data can never be handled) and which are retried
 * until they heal; and how long the consumer waits between tries.
 */
class PoisonOrTransientTest {
  @Test
  void aRefusalByTheHandlerIsPoisonWhereverItIsInTheChain() {
    PoisonEventException refused = new PoisonEventException("platform mars is not configured");

    assertThat(Failures.isPoison(refused)).isTrue();
    assertThat(Failures.isPoison(new IllegalStateException("planning failed", refused))).isTrue();
    assertThat(Failures.describe(new IllegalStateException("planning failed", refused)))
        .isEqualTo("platform mars is not configured");
  }

  @Test
  void aDatabaseRefusingTheRowForItsDataIsPoison() {
    SQLException nul = new SQLException("unsupported Unicode escape sequence: \\u0000", "22P05");
    SQLException encoding =
        new SQLException("invalid byte sequence for encoding UTF8: 0x00", "22021");
    SQLException unique =
        new SQLException("duplicate key value violates unique constraint", "23505");

    assertThat(Failures.isPoison(nul)).isTrue();
    assertThat(Failures.isPoison(new RuntimeException("store failed", encoding))).isTrue();
    assertThat(Failures.isPoison(unique))
        .as("a unique violation may be a race with another instance: retried")
        .isFalse();
    assertThat(Failures.describe(new RuntimeException("store failed", nul)))
        .isEqualTo("SQLSTATE 22P05: unsupported Unicode escape sequence: \\u0000");
    BatchUpdateException batch = new BatchUpdateException("batch entry 3 failed", "22001", null);
    assertThat(Failures.isPoison(batch)).isTrue();
    BatchUpdateException wrapping = new BatchUpdateException("batch failed", (String) null, null);
    wrapping.setNextException(nul);
    assertThat(Failures.isPoison(wrapping)).isTrue();
  }

  @Test
  void anR2dbcRefusalIsRecognisedByItsSqlState() {
    assertThat(
            Failures.isPoison(
                new R2dbcNonTransientResourceException(
                    "unsupported Unicode escape sequence", "22P05")))
        .isTrue();
    assertThat(
            Failures.isPoison(
                new IllegalStateException(
                    "append failed",
                    new R2dbcDataIntegrityViolationException("violates check", "23514"))))
        .isTrue();
    assertThat(
            Failures.describe(
                new R2dbcNonTransientResourceException(
                    "unsupported Unicode escape sequence", "22P05")))
        .isEqualTo("SQLSTATE 22P05: unsupported Unicode escape sequence");
  }

  @Test
  void whatMayHealIsNotPoison() {
    assertThat(Failures.isPoison(new SQLException("connection refused", "08001"))).isFalse();
    assertThat(Failures.isPoison(new SQLException("could not serialize access", "40001")))
        .isFalse();
    assertThat(Failures.isPoison(new SQLException("relation events does not exist", "42P01")))
        .isFalse();
    assertThat(Failures.isPoison(new SQLException("no state"))).isFalse();
    assertThat(Failures.isPoison(new R2dbcBadGrammarException("no such table", "42P01"))).isFalse();
    assertThat(Failures.isPoison(new R2dbcTransientResourceException("too many clients", "53300")))
        .isFalse();
    assertThat(Failures.isPoison(new TimeoutException("the broker did not answer"))).isFalse();
    assertThat(
            Failures.isPoison(
                new UncheckedIOException(new ConnectException("api server unreachable"))))
        .isFalse();
    assertThat(Failures.isPoison(new IllegalStateException("cannot plan this"))).isFalse();
  }

  @Test
  void aCauseChainThatLoopsIsNotFollowedForever() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);

    assertThat(Failures.isPoison(a)).isFalse();
  }

  @Test
  void pausesDoubleFromTheFirstUpToTheCap() {
    ConsumerSpec spec = ConsumerSpec.of("g", "t");

    assertThat(spec.backoff(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(spec.backoff(2)).isEqualTo(Duration.ofMillis(400));
    assertThat(spec.backoff(8)).isEqualTo(Duration.ofMillis(25_600));
    assertThat(spec.backoff(9)).isEqualTo(Duration.ofSeconds(30));
    assertThat(spec.backoff(10_000)).isEqualTo(Duration.ofSeconds(30));
    ConsumerSpec planner = spec.withRetryBackoff(Duration.ofMillis(500), Duration.ofSeconds(2));
    assertThat(planner.backoff(3)).isEqualTo(Duration.ofSeconds(2));
  }
}
