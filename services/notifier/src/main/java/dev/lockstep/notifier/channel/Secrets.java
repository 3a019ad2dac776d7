package dev.lockstep.notifier.channel;

import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves secret references (a webhook URL, an HMAC secret, a password, a token) to their values,
 * from {@code lockstep.notifier.secrets.<NAME>} in the configuration or the environment variable
 * {@code NAME}. Values are used to send and never stored, logged or published; {@link #redact}
 * removes them from error messages.
 */
public final class Secrets {
  private final Function<String, Optional<String>> configuration;
  private final Function<String, String> environment;

  /**
   * @param configuration looks a name up below {@code lockstep.notifier.secrets}
   * @param environment looks a name up in the environment
   */
  public Secrets(
      Function<String, Optional<String>> configuration, Function<String, String> environment) {
    this.configuration = configuration;
    this.environment = environment;
  }

  /** The value of a reference; a clear error (naming only the reference) when it has none. */
  public String resolve(String reference) {
    Optional<String> value = configuration.apply(reference);
    if (value.isPresent() && !value.get().isBlank()) {
      return value.get();
    }
    String env = environment.apply(reference);
    if (env != null && !env.isBlank()) {
      return env;
    }
    throw new IllegalStateException("secret '" + reference + "' is not configured");
  }

  /** The value of a reference, or empty when there is no reference or no value. */
  public Optional<String> find(String reference) {
    if (reference == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(resolve(reference));
    } catch (IllegalStateException e) {
      return Optional.empty();
    }
  }

  /** A text with every given secret value replaced by {@code ***}. */
  public static String redact(String text, Collection<String> values) {
    if (text == null) {
      return "";
    }
    String result = text;
    for (String value : values) {
      if (value != null && value.length() >= 4) {
        result = result.replace(value, "***");
      }
    }
    return result;
  }
}
