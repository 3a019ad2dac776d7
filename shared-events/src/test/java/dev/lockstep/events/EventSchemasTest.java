package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.schema.SchemaCompatibility;
import dev.lockstep.events.schema.SchemaGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build-time schema checks: every type's newest version has a checked-in schema equal to what
 * its record says, and no newer version of any checked-in schema removes a field or changes a type
 * of the version before it.
 */
class EventSchemasTest {
  @Test
  void everyTypeHasACheckedInSchemaThatMatchesItsRecord() {
    List<String> drift = new ArrayList<>();
    for (EventType type : EventCatalog.standard().types()) {
      Path file =
          ContractFiles.SCHEMAS
              .resolve(type.shortName())
              .resolve("v" + type.version() + ".schema.json");
      JsonNode generated = SchemaGenerator.schemaOf(type);
      if (!ContractFiles.writeIfMissing(file, generated)) {
        drift.add(type.name() + ": no schema checked in at " + file);
      } else if (!ContractFiles.read(file).equals(generated)) {
        drift.add(
            type.name()
                + " v"
                + type.version()
                + ": the record no longer matches its released schema; an incompatible change"
                + " needs a new version with an upcaster");
      }
    }
    assertThat(drift).isEmpty();
  }

  @Test
  void everyNewerSchemaVersionKeepsTheFieldsAndTypesOfTheOneBefore() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path root : List.of(ContractFiles.SCHEMAS, Path.of("src/test/resources/schemas"))) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
          problems.addAll(checkVersions(dir));
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theCheckRejectsADeliberatelyIncompatibleSchema() {
    Path fixture = Path.of("src/test/resources/schema-compat/incompatible");
    List<String> problems =
        SchemaCompatibility.incompatibilities(
            ContractFiles.read(fixture.resolve("v1.schema.json")),
            ContractFiles.read(fixture.resolve("v2.schema.json")));
    assertThat(problems)
        .containsExactlyInAnyOrder(
            "$.reason: field removed",
            "$.attempt: type changed from [integer] to [string]",
            "$.target.namespace: field removed",
            "$.phase: enum value 'error' removed",
            "$.measurements[].value: type changed from [number] to [string]");
  }

  @Test
  void addingFieldsAndEnumValuesIsCompatible() {
    Path fixture = Path.of("src/test/resources/schemas/test.pinged");
    assertThat(
            SchemaCompatibility.incompatibilities(
                ContractFiles.read(fixture.resolve("v1.schema.json")),
                ContractFiles.read(fixture.resolve("v2.schema.json"))))
        .isEmpty();
  }

  private static List<String> checkVersions(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    for (int v = 1; Files.exists(dir.resolve("v" + (v + 1) + ".schema.json")); v++) {
      JsonNode older = ContractFiles.read(dir.resolve("v" + v + ".schema.json"));
      JsonNode newer = ContractFiles.read(dir.resolve("v" + (v + 1) + ".schema.json"));
      for (String problem : SchemaCompatibility.incompatibilities(older, newer)) {
        problems.add(dir.getFileName() + " v" + (v + 1) + " against v" + v + ": " + problem);
      }
    }
    return problems;
  }
}
