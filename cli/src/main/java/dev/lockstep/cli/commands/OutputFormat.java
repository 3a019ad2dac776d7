package dev.lockstep.cli.commands;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** What a command prints on stdout: text for people, or JSON for scripts and nothing else. */
public enum OutputFormat {
  /** Tables and lines for people. */
  TEXT,
  /** The service's JSON answer (or a JSON object the command builds), and nothing else. */
  JSON;

  /** Reads {@code text} or {@code json}. */
  public static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        return OutputFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not an output format: use text or json");
      }
    }
  }

  /** The formats, for the help. */
  public static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("text", "json").iterator();
    }
  }
}
