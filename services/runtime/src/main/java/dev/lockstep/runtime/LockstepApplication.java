package dev.lockstep.runtime;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import io.micronaut.runtime.Micronaut;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Starts a Lockstep service: the shared defaults ({@code lockstep-defaults.yml}: security, health,
 * metrics, tracing) below the service's own configuration, and the service's name.
 */
public final class LockstepApplication {
  /** Below application.yml, environment files, system properties and the environment. */
  private static final int DEFAULTS_ORDER = -1000;

  private LockstepApplication() {}

  /** Runs a service from its main method. */
  public static ApplicationContext run(Class<?> mainClass, String service, String... args) {
    return Micronaut.build(args)
        .mainClass(mainClass)
        .banner(false)
        .propertySources(defaults())
        .properties(Map.of("micronaut.application.name", service))
        .start();
  }

  /**
   * A builder for a service's context with the shared defaults and extra properties, for tests, the
   * local mode and anything that runs several services in one JVM.
   */
  public static ApplicationContextBuilder builder(String service, Map<String, Object> properties) {
    return ApplicationContext.builder()
        .propertySources(defaults())
        .properties(Map.of("micronaut.application.name", service))
        .properties(properties);
  }

  /** The shared defaults as a property source. */
  public static PropertySource defaults() {
    try (InputStream in =
        LockstepApplication.class.getClassLoader().getResourceAsStream("lockstep-defaults.yml")) {
      if (in == null) {
        throw new IllegalStateException("lockstep-defaults.yml is missing from the class path");
      }
      Map<String, Object> values = new YamlPropertySourceLoader().read("lockstep-defaults", in);
      return PropertySource.of("lockstep-defaults", values, DEFAULTS_ORDER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
