package dev.lockstep.executor;

import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starts executor contexts against the shared broker and a simulated cluster. */
public final class TestingExecutors {
  static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

  private TestingExecutors() {}

  /** An executor for one platform with the given allowed namespaces. */
  public static ApplicationContext start(
      String group,
      String platform,
      SimulatedCluster cluster,
      List<String> namespaces,
      Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.executor.group", group);
    properties.put("lockstep.executor.poll-interval", "25ms");
    properties.put("lockstep.executor.rollout-timeout", "30s");
    properties.put("lockstep.platforms." + platform + ".master-url", cluster.kubernetesUrl());
    properties.put("lockstep.platforms." + platform + ".namespaces", namespaces);
    properties.putAll(extra);
    return LockstepApplication.builder("executor", properties).start();
  }
}
