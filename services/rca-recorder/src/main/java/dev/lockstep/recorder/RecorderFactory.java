package dev.lockstep.recorder;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.recovery.KafkaRebuild;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.NoteStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.runtime.kafka.KafkaSettings;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/**
 * The recorder's beans: the database (migrated when it opens), the event, projection and note
 * stores, the projector and the rebuild from Kafka.
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
  KafkaRebuild kafkaRebuild(KafkaSettings kafka, EventCodec codec) {
    return new KafkaRebuild(kafka, codec);
  }
}
