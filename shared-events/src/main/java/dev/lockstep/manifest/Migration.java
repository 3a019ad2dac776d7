package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.util.List;

/**
 * A migration Job run before the workload changes.
 *
 * @param image the migration image
 * @param args its arguments
 * @param timeout how long it may run, Go style ({@code 10m}); a default applies when null
 */
public record Migration(String image, @Omittable List<String> args, @Nullable String timeout) {
  public Migration {
    args = args == null ? List.of() : List.copyOf(args);
  }
}
