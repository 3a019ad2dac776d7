package dev.lockstep.runtime.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A service's declared secrets: the one lookup of every secret a configuration names (the
 * notifier's channel {@code secretRefs}, the validator's {@code secret:} gate headers). A secret is
 * declared by the operator and nowhere else: under the service's own {@code
 * lockstep.<service>.secrets.<NAME>} in its configuration, or as a file {@code NAME} in its {@code
 * lockstep.<service>.secret-files} directory (a mounted Kubernetes Secret, read at each use so that
 * a rotated value takes effect). Never an arbitrary environment variable or system property of the
 * process: those hold the service's own credentials (token signing key, database password), which a
 * release or a subscription must not be able to send anywhere.
 *
 * <p>Values are used and never stored, logged or published; {@link #redact} removes them from error
 * messages.
 */
public class DeclaredSecrets {
  /** What a secret's name may be: no path separators, no leading dot. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}");

  private final Function<String, Optional<String>> configured;
  private final Path directory;

  /**
   * @param configured the entries below {@code lockstep.<service>.secrets}, by name
   * @param directory a directory whose every file is a secret, or null for none
   */
  public DeclaredSecrets(Map<String, String> configured, Path directory) {
    this(copyOf(configured), directory);
  }

  /**
   * @param configured the value configured for a name below {@code lockstep.<service>.secrets}
   * @param directory a directory whose every file is a secret, or null for none
   */
  public DeclaredSecrets(Function<String, Optional<String>> configured, Path directory) {
    this.configured = configured;
    this.directory = directory;
  }

  private static Function<String, Optional<String>> copyOf(Map<String, String> configured) {
    Map<String, String> copy = new TreeMap<>(configured);
    return name -> Optional.ofNullable(copy.get(name));
  }

  /** True when the name is one of the declared secrets and has a value. */
  public boolean declared(String name) {
    return find(name).isPresent();
  }

  /** The value of a declared secret; a clear error (naming only the reference) when it has none. */
  public String resolve(String name) {
    return find(name)
        .orElseThrow(
            () -> new IllegalStateException("secret '" + name + "' is not a declared secret"));
  }

  /** The value of a declared secret, or empty when the name declares none (or has no value). */
  public Optional<String> find(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    Optional<String> value = configured.apply(name).filter(v -> !v.isBlank());
    if (value.isPresent()) {
      return value;
    }
    if (directory != null) {
      Path file = directory.resolve(name);
      if (file.getParent().equals(directory) && Files.isRegularFile(file)) {
        try {
          String content =
              Files.readString(file, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
          return content.isBlank() ? Optional.empty() : Optional.of(content);
        } catch (IOException e) {
          throw new UncheckedIOException("secret '" + name + "' cannot be read", e);
        }
      }
    }
    return Optional.empty();
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
