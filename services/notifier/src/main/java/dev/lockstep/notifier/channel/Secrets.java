package dev.lockstep.notifier.channel;

import dev.lockstep.runtime.security.DeclaredSecrets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The notifier's declared secrets ({@code lockstep.notifier.secrets.<NAME>}, files in {@code
 * lockstep.notifier.secret-files}), which channels name in their {@code secretRefs}: the runtime's
 * one lookup ({@link DeclaredSecrets}).
 */
public final class Secrets extends DeclaredSecrets {
  /**
   * @param configured the entries below {@code lockstep.notifier.secrets}, by name
   * @param directory a directory whose every file is a secret, or null for none
   */
  public Secrets(Map<String, String> configured, Path directory) {
    super(configured, directory);
  }
}
