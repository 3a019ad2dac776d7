package dev.lockstep.planner.intake;

import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlatformPolicy;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Map;

/** Builds the planner's core from the configuration. */
@Factory
class PlannerFactory {
  @Singleton
  PlatformPolicy platformPolicy(Environment environment) {
    Map<String, Object> tree =
        environment
            .getProperty("lockstep.platforms", Argument.mapOf(String.class, Object.class))
            .orElse(Map.of());
    return PlatformPolicy.fromTree(tree);
  }

  @Singleton
  PlannerCore plannerCore(PlatformPolicy policy, Clock clock) {
    return new PlannerCore(policy, clock);
  }
}
