package dev.lockstep.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Topics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders the event catalogue (docs/events.md) from the catalogue and the checked-in schemas, so
 * that the document cannot drift from the contract: a test compares the two.
 */
public final class EventCatalogDocs {
  private EventCatalogDocs() {}

  /** The Markdown of the catalogue. */
  public static String render(EventCatalog catalog) {
    StringBuilder md = new StringBuilder();
    md.append("# Event catalogue\n\n")
        .append("<!-- Generated from the event catalogue and the checked-in schemas by\n")
        .append("     shared-events' EventCatalogDocs; EventCatalogDocsTest fails when this file\n")
        .append(
            "     drifts. Regenerate: mvn -pl shared-events test -Dlockstep.write-contract=true\n")
        .append("     after deleting this file. -->\n\n")
        .append("Every event is a CloudEvent 1.0 in Kafka binary content mode: the attributes")
        .append(" travel as `ce_*` headers, the data as JSON, the Kafka key is the platform id.\n")
        .append("Extensions: `platform`, `causationid` (the id of the event that caused this")
        .append(" one) and `traceparent` (W3C trace context). `ce_subject` is the upgrade id.\n")
        .append("`ce_dataschema` is `urn:lockstep:schema:<type>:v<N>`; the JSON Schema of each")
        .append(" version is checked in under `shared-events/src/main/resources/schemas/`.\n\n")
        .append("Consumers ignore unknown fields, read every supported version by upcasting it")
        .append(" to the newest, and send what they cannot read to `")
        .append(Topics.DEADLETTER)
        .append("` with the reason. See [compatibility](compatibility.md).\n\n")
        .append("Outside Lockstep, the notifier can also tell its work as CDEvents (upgrades")
        .append(" and rollbacks as pipeline runs, gates as test case runs, components as")
        .append(" services) to an HTTP endpoint or a Kafka topic of the operator's, for Keptn,")
        .append(" Tekton or any CDEvents consumer: the mapping is in [CDEvents](cdevents.md).\n\n")
        .append("| type | version | topic | producer | consumers |\n")
        .append("|---|---|---|---|---|\n");
    for (EventType type : byTopic(catalog)) {
      md.append("| [`")
          .append(type.name())
          .append("`](#")
          .append(type.name().replace(".", ""))
          .append(") | v")
          .append(type.version())
          .append(" | `")
          .append(type.topic())
          .append("` | ")
          .append(type.producer())
          .append(" | ")
          .append(String.join(", ", type.consumers()))
          .append(" |\n");
    }
    for (EventType type : byTopic(catalog)) {
      md.append("\n## ").append(type.name()).append("\n\n").append(type.summary()).append("\n\n");
      md.append("Topic `")
          .append(type.topic())
          .append("`, written by ")
          .append(type.producer())
          .append(", read by ")
          .append(String.join(", ", type.consumers()))
          .append(". Versions read: v")
          .append(type.oldestSupported())
          .append(" to v")
          .append(type.version())
          .append(".\n\n| field | type | required |\n|---|---|---|\n");
      JsonNode schema = schemaJson(catalog, type);
      fields("", schema, md);
    }
    return md.toString();
  }

  private static List<EventType> byTopic(EventCatalog catalog) {
    List<EventType> ordered = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      catalog.types().stream().filter(t -> t.topic().equals(topic)).forEach(ordered::add);
    }
    catalog.types().stream().filter(t -> !ordered.contains(t)).forEach(ordered::add);
    return ordered;
  }

  private static JsonNode schemaJson(EventCatalog catalog, EventType type) {
    return catalog.schema(type, type.version()).getSchemaNode();
  }

  private static void fields(String prefix, JsonNode schema, StringBuilder md) {
    Set<String> required = new HashSet<>();
    schema.path("required").forEach(r -> required.add(r.asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = prefix + field.getKey();
      JsonNode property = field.getValue();
      md.append("| `")
          .append(name)
          .append("` | ")
          .append(typeOf(property))
          .append(" | ")
          .append(required.contains(field.getKey()) ? "yes" : "no")
          .append(" |\n");
      if (property.path("properties").size() > 0) {
        fields(name + ".", property, md);
      } else if (property.path("items").path("properties").size() > 0) {
        fields(name + "[].", property.get("items"), md);
      }
    }
  }

  private static String typeOf(JsonNode property) {
    JsonNode type = property.get("type");
    String base;
    if (type == null) {
      base = "any";
    } else if (type.isArray()) {
      base = type.get(0).asText();
    } else {
      base = type.asText();
    }
    if ("array".equals(base) && property.has("items")) {
      base = "array of " + typeOf(property.get("items"));
    }
    if (property.has("enum")) {
      List<String> values = new ArrayList<>();
      property
          .get("enum")
          .forEach(
              v -> {
                if (!v.isNull()) {
                  values.add("`" + v.asText() + "`");
                }
              });
      base = "one of " + String.join(", ", values);
    }
    if (property.has("format")) {
      base = base + " (" + property.get("format").asText() + ")";
    }
    return base;
  }
}
