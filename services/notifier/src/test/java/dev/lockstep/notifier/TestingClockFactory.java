package dev.lockstep.notifier;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Replaces the runtime's clock with a {@link TestingClock} where a test asks for it. */
@Factory
@Requires(property = "lockstep.notifier.testing-clock", value = "true")
class TestingClockFactory {
  @Singleton
  @Replaces(Clock.class)
  TestingClock testingClock() {
    return new TestingClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }
}
