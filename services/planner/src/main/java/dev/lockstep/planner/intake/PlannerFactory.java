package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.manifest.ManifestFiles;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.ChartRenderer;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import dev.lockstep.planner.helm.ChildProcessChartRenderer;
import dev.lockstep.planner.helm.RenderingCache;
import dev.lockstep.planner.helm.UnpackedHelmLibrary;
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
import java.time.Duration;
import java.util.Map;

/** Builds the planner's core from the configuration. */
@Factory
class PlannerFactory {
  /** How many chart renderings the planner remembers. */
  private static final int RENDERINGS_KEPT = 64;

  @Singleton
  PlatformPolicy platformPolicy(Environment environment) {
    Map<String, Object> tree =
        environment
            .getProperty("lockstep.platforms", Argument.mapOf(String.class, Object.class))
            .orElse(Map.of());
    return PlatformPolicy.fromTree(tree);
  }

  /**
   * Charts named by releases are found under {@code lockstep.planner.charts-dir} and rendered by
   * Helm in a process of its own that ends after {@code lockstep.planner.helm.idle-exit} without a
   * render ({@link ChildProcessChartRenderer}: the planner does not keep Helm's library, about 46
   * MB resident once loaded), or with {@code lockstep.planner.helm.in-process: true} in the planner
   * itself. Either way the last renderings are remembered ({@link RenderingCache}), and with {@code
   * lockstep.planner.helm.library-directory} Helm's library is unpacked there once rather than at
   * every start of the Helm process ({@link UnpackedHelmLibrary}).
   */
  @Singleton
  @Bean(preDestroy = "close")
  ChartEngine chartEngine(
      @Value("${lockstep.planner.charts-dir:.}") String chartsDir,
      @Value("${lockstep.planner.helm.in-process:false}") boolean inProcess,
      @Value("${lockstep.planner.helm.idle-exit:10s}") Duration idleExit,
      @Value("${lockstep.planner.helm.library-directory:}") String libraryDirectory) {
    Path charts = Path.of(chartsDir);
    Path library = libraryDirectory.isBlank() ? null : Path.of(libraryDirectory);
    if (inProcess) {
      if (library != null) {
        System.setProperty(
            UnpackedHelmLibrary.DIRECTORY_PROPERTY, library.toAbsolutePath().toString());
      }
      return new ChartEngine(
          new RenderingCache(new HelmChartRenderer(charts), charts, RENDERINGS_KEPT), () -> {});
    }
    ChildProcessChartRenderer child = new ChildProcessChartRenderer(charts, idleExit, library);
    return new ChartEngine(new RenderingCache(child, charts, RENDERINGS_KEPT), child);
  }

  @Singleton
  BundleResolver bundleResolver(ChartEngine charts) {
    return new BundleResolver(charts.renderer());
  }

  /** The chart renderer, and what stops it with the planner. */
  record ChartEngine(ChartRenderer renderer, AutoCloseable stop) {
    /** Ends a Helm process that still runs. */
    public void close() throws Exception {
      stop.close();
    }
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
