package dev.lockstep.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Reads the files a command is given ({@code -} is stdin); a bad file is a usage error. */
final class Inputs {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private Inputs() {}

  /** The text of a file, or of stdin for {@code -}. */
  static String text(String file, InputStream stdin) {
    try {
      if (file.equals("-")) {
        return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.USAGE,
          "cannot read " + file + ": " + (e.getMessage() == null ? e : e.getMessage()),
          null);
    }
  }

  /** A YAML (or JSON) document as a tree. */
  static JsonNode yaml(String file, String text) {
    try {
      JsonNode tree = YAML.readTree(text);
      if (tree == null || !tree.isObject() && !tree.isArray()) {
        throw new CliException(ExitCodes.USAGE, file + " holds no YAML document", null);
      }
      return tree;
    } catch (JsonProcessingException e) {
      throw new CliException(
          ExitCodes.USAGE, file + " is not valid YAML: " + e.getOriginalMessage() + where(e), null);
    }
  }

  /** A JSON object. */
  static JsonNode jsonObject(String file, String text) {
    try {
      JsonNode tree = Json.mapper().readTree(text);
      if (tree == null || !tree.isObject()) {
        throw new CliException(ExitCodes.USAGE, file + " does not hold a JSON object", null);
      }
      return tree;
    } catch (JsonProcessingException e) {
      throw new CliException(
          ExitCodes.USAGE, file + " is not valid JSON: " + e.getOriginalMessage() + where(e), null);
    }
  }

  /** An ISO-8601 instant given to an option, as text. */
  static String instant(String option, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value.trim()).toString();
    } catch (DateTimeParseException e) {
      throw new CliException(
          ExitCodes.USAGE,
          option + " '" + value + "' is not an instant",
          "write it as 2026-11-22T02:00:00Z");
    }
  }

  private static String where(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
