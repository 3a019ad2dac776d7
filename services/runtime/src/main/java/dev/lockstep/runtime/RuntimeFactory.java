package dev.lockstep.runtime;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The beans every service shares: the clock (replaceable in tests) and the event codec. */
@Factory
public class RuntimeFactory {
  /** The clock all logic reads time from. */
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** The catalogue of every Lockstep event type. */
  @Singleton
  EventCatalog eventCatalog() {
    return EventCatalog.standard();
  }

  /** The codec of that catalogue. */
  @Singleton
  EventCodec eventCodec(EventCatalog catalog) {
    return new EventCodec(catalog);
  }
}
