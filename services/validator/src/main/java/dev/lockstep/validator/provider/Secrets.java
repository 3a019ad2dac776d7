package dev.lockstep.validator.provider;

import dev.lockstep.runtime.security.DeclaredSecrets;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Resolves secret references of gate specs ({@code secret:gates/metis-token}) from the validator's
 * configuration: {@code lockstep.validator.secrets.gates-metis-token}, which the environment
 * variable {@code LOCKSTEP_VALIDATOR_SECRETS_GATES_METIS_TOKEN} also sets, or a file {@code
 * gates-metis-token} in {@code lockstep.validator.secret-files}, through the runtime's one lookup
 * of declared secrets ({@link DeclaredSecrets}). Values never leave this class except into the
 * request that needs them.
 */
@Singleton
public class Secrets {
  /** The prefix of a secret reference. */
  public static final String PREFIX = "secret:";

  private final DeclaredSecrets declared;

  public Secrets(
      Environment environment, @Value("${lockstep.validator.secret-files:}") String directory) {
    this.declared =
        new DeclaredSecrets(
            name -> environment.getProperty("lockstep.validator.secrets." + name, String.class),
            directory.isBlank() ? null : Path.of(directory).toAbsolutePath().normalize());
  }

  /** Whether a header value is a secret reference. */
  public static boolean isReference(String value) {
    return value != null && value.startsWith(PREFIX);
  }

  /** The configuration key of a reference's secret. */
  public static String key(String reference) {
    return "lockstep.validator.secrets." + name(reference);
  }

  /**
   * The name of a reference's secret as configuration spells it ({@code secret:gates/metis-token}
   * is {@code gates-metis-token}), also in {@code lockstep.platforms.<id>.gates.secret-hosts}.
   */
  public static String name(String reference) {
    String name = reference.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
    return name.replaceAll("[^a-z0-9]+", "-");
  }

  /** The secret a reference names, if it is configured. */
  public Optional<String> resolve(String reference) {
    return declared.find(name(reference));
  }
}
