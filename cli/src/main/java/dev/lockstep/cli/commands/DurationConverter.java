package dev.lockstep.cli.commands;

import dev.lockstep.manifest.GoDuration;
import java.time.Duration;
import picocli.CommandLine;

/** Reads a duration as the release manifests write them: {@code 500ms}, {@code 10s}, {@code 5m}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d =
        GoDuration.parse(value.trim())
            .orElseThrow(
                () ->
                    new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration such as 500ms, 10s or 5m"));
    if (d.isNegative() || d.isZero()) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration");
    }
    return d;
  }
}
