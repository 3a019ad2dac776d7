package dev.lockstep.recorder;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.recovery.KafkaRebuild;
import dev.lockstep.recorder.recovery.RebuildProgress;
import dev.lockstep.recorder.recovery.Recovery;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.NoteStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.runtime.kafka.KafkaSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The recorder's beans: the database (migrated when it opens), the event, projection and note
 * stores, the projector, and recovery: the rebuild from Kafka and its recorded progress.
 */
@Factory
public class RecorderFactory {
  /** The database, migrated to the newest schema; closed when the service stops. */
  @Singleton
  @Bean(preDestroy = "close")
  Database database(DatabaseSettings settings) {
    return new Database(settings);
  }

  @Singleton
  EventStore eventStore(Database database) {
    return new EventStore(database);
  }

  @Singleton
  ProjectionStore projectionStore(Database database) {
    return new ProjectionStore(database);
  }

  @Singleton
  NoteStore noteStore(Database database) {
    return new NoteStore(database);
  }

  @Singleton
  Projector projector(EventStore events, ProjectionStore projections, EventCodec codec) {
    return new Projector(events, projections, codec);
  }

  @Singleton
  RebuildProgress rebuildProgress(Database database) {
    return new RebuildProgress(database);
  }

  @Singleton
  KafkaRebuild kafkaRebuild(
      KafkaSettings kafka,
      EventCodec codec,
      Database database,
      EventStore events,
      RebuildProgress progress,
      Projector projector,
      MeterRegistry meters,
      Clock clock) {
    return new KafkaRebuild(kafka, codec, database, events, progress, projector, meters, clock);
  }

  @Singleton
  Recovery recovery(
      KafkaRebuild rebuild,
      RebuildProgress progress,
      EventStore events,
      Database database,
      MeterRegistry meters,
      Clock clock) {
    return new Recovery(rebuild, progress, events, database.settings(), meters, clock);
  }
}
