package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.manifest.ManifestFiles;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlannerQueries;
import dev.lockstep.planner.platforms.PlatformPolicy;
import dev.lockstep.runtime.kafka.KafkaSettings;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
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

  /** Charts named by releases are found under {@code lockstep.planner.charts-dir}. */
  @Singleton
  BundleResolver bundleResolver(@Value("${lockstep.planner.charts-dir:.}") String chartsDir) {
    return new BundleResolver(new HelmChartRenderer(Path.of(chartsDir)));
  }

  /**
   * {@code manifests: { file: ... }} is read under {@code lockstep.planner.manifests-dir}, and only
   * when an operator configures that directory: by default no file is read, and a release that
   * names one is refused (422 over HTTP, {@code plan.rejected} from Kafka).
   */
  @Singleton
  ManifestFiles manifestFiles(@Value("${lockstep.planner.manifests-dir:}") String manifestsDir) {
    if (manifestsDir == null || manifestsDir.isBlank()) {
      return path -> {
        throw new IOException(
            "file references are off: this planner reads no manifest files because no manifests"
                + " directory is configured (lockstep.planner.manifests-dir); embed the objects in"
                + " the release");
      };
    }
    return ManifestFiles.under(Path.of(manifestsDir));
  }

  @Singleton
  PlannerCore plannerCore(PlatformPolicy policy, Clock clock, BundleResolver bundles) {
    return new PlannerCore(policy, clock, bundles);
  }

  /**
   * Every platform's state, whichever instance decides for it, for the HTTP API and the catalogue;
   * followed only when the planner consumes Kafka at all.
   */
  @Singleton
  @Bean(preDestroy = "close")
  PlannerReadModel plannerReadModel(
      KafkaSettings kafka,
      EventCodec codec,
      PlatformPolicy policy,
      Clock clock,
      BundleResolver bundles,
      @Value("${lockstep.planner.consume:true}") boolean consume) {
    PlannerReadModel model =
        new PlannerReadModel(kafka.common(), codec, new PlannerCore(policy, clock, bundles));
    return consume ? model.start() : model;
  }

  /** The read side for the HTTP API: the read model, or without Kafka the core's own state. */
  @Singleton
  PlannerQueries plannerQueries(
      PlannerCore core,
      PlannerReadModel readModel,
      @Value("${lockstep.planner.consume:true}") boolean consume) {
    return consume ? readModel.queries() : core.queries();
  }
}
