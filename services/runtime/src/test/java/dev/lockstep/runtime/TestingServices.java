package dev.lockstep.runtime;

import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;

/** Starts a service context against the shared broker, the way the services will be tested. */
final class TestingServices {
  static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

  private TestingServices() {}

  static ApplicationContext start(String service, Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.putAll(extra);
    return LockstepApplication.builder(service, properties).start();
  }
}
