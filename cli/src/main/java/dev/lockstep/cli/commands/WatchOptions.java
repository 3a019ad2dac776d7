package dev.lockstep.cli.commands;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How {@code watch} (and {@code submit --watch}, {@code rollback --watch}) follows an upgrade. */
public final class WatchOptions {
  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "how often to look at the upgrade (default 1s)")
  Duration interval;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "give up (exit code 8) when the upgrade has not ended after this long")
  Duration timeout;

  @Option(
      names = "--tty",
      negatable = true,
      description =
          "redraw in place (--tty) or print one line per change (--no-tty); default: redraw"
              + " when stdout is a terminal")
  Boolean tty;
}
