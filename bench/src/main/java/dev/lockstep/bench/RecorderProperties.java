package dev.lockstep.bench;

import dev.lockstep.testkit.postgres.Postgres;
import java.util.HashMap;
import java.util.Map;

/** The configuration the recorder benchmarks start an rca-recorder with. */
final class RecorderProperties {
  private static final String SECRET = "bench-secret-that-is-long-enough-for-hs256-signing";

  private RecorderProperties() {}

  /**
   * A recorder on this broker and this database of the server, with no HTTP port of its own until
   * started, and the planner (on the class path) not consuming; the caller adds what its benchmark
   * needs.
   */
  static Map<String, Object> of(String bootstrapServers, Postgres postgres, String database) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", bootstrapServers);
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.recorder.database.host", postgres.host());
    properties.put("lockstep.recorder.database.port", postgres.port());
    properties.put("lockstep.recorder.database.name", database);
    properties.put("lockstep.recorder.database.username", postgres.username());
    properties.put("lockstep.recorder.database.password", postgres.password());
    // The bench module's class path holds the planner too: its consumer would follow the topics
    // in this JVM and take CPU from the recorder, which runs alone in a deployment.
    properties.put("lockstep.planner.consume", false);
    return properties;
  }
}
