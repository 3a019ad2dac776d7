package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.schema.EventCatalogDocs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/events.md is the catalogue rendered from the schemas; it cannot drift. */
class EventCatalogDocsTest {
  private static final Path DOC = Path.of("../docs/events.md");

  @Test
  void theEventCatalogueDocumentMatchesTheContract() throws IOException {
    String rendered = EventCatalogDocs.render(EventCatalog.standard());
    if (ContractFiles.WRITE && !Files.exists(DOC)) {
      Files.createDirectories(DOC.getParent());
      Files.writeString(DOC, rendered);
    }

    assertThat(DOC).exists();
    assertThat(Files.readString(DOC))
        .as(
            "docs/events.md is out of date: delete it and run the shared-events tests with"
                + " -Dlockstep.write-contract=true")
        .isEqualTo(rendered);
  }

  @Test
  void theDocumentNamesEveryTypeWithItsTopicAndFields() {
    String rendered =
        EventCatalog.standard().types().isEmpty()
            ? ""
            : EventCatalogDocs.render(EventCatalog.standard());

    for (EventType type : EventCatalog.standard().types()) {
      assertThat(rendered).contains("## " + type.name()).contains("`" + type.topic() + "`");
    }
    assertThat(rendered).contains("| `plan.waves[].steps[].action` | one of `backup`");
  }
}
