package dev.lockstep.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The checked-in contract files, read from the module's sources. With {@code
 * -Dlockstep.write-contract=true} a missing file is written once; an existing one is never changed
 * (a released golden sample or schema is never edited).
 */
final class ContractFiles {
  static final Path SCHEMAS = Path.of("src/main/resources/schemas");
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  static final Path TEST_GOLDEN = Path.of("src/test/resources/test-golden");
  static final boolean WRITE = Boolean.getBoolean("lockstep.write-contract");

  private ContractFiles() {}

  static JsonNode read(Path file) {
    try {
      return Json.mapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a missing file in write mode; returns whether the file exists now. */
  static boolean writeIfMissing(Path file, JsonNode content) {
    if (Files.exists(file)) {
      return true;
    }
    if (!WRITE) {
      return false;
    }
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          Json.newMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(content)
              + "\n");
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> jsonFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
