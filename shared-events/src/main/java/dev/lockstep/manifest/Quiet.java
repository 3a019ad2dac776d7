package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;

/**
 * A drain's wait for quiet: once the drained workloads' pods are gone, the drain waits until the
 * pods of the listed components have written no log line for {@code period}, and fails when that
 * has not happened within {@code deadline}.
 *
 * @param components components of the release whose workloads' logs are read; they need not be
 *     drained (a component that flushes after its clients stop, say)
 * @param period how long every listed component must be silent, Go style ({@code 10s})
 * @param deadline the longest the wait for quiet may take once the drained pods are gone; {@value
 *     #DEFAULT_DEADLINE} when null
 */
public record Quiet(List<String> components, String period, @Nullable String deadline) {
  /** The deadline of a quiet wait whose manifest names none. */
  public static final String DEFAULT_DEADLINE = "5m";

  public Quiet {
    components = components == null ? List.of() : List.copyOf(components);
  }

  /** The deadline, or the default one. */
  public Duration deadlineOrDefault() {
    return GoDuration.parseOr(deadline, GoDuration.parseOr(DEFAULT_DEADLINE, null));
  }
}
