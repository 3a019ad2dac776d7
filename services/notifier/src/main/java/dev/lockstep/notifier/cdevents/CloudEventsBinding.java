package dev.lockstep.notifier.cdevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Json;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a CDEvent travels as a CloudEvent (the CDEvents CloudEvents binding): {@code id}, {@code
 * source}, {@code type}, {@code subject} (the subject's id) and {@code time} (the timestamp) taken
 * from the CDEvent, the whole CDEvent as the data. In {@link Mode#BINARY binary} mode the
 * attributes are headers ({@code ce-*} over HTTP, {@code ce_*} on Kafka) and the body is the
 * CDEvent ({@code application/json}); in {@link Mode#STRUCTURED structured} mode the body is the
 * CloudEvent as JSON ({@code application/cloudevents+json}) with the CDEvent as its {@code data}.
 */
public final class CloudEventsBinding {
  /** The content mode. */
  public enum Mode {
    /** Attributes as headers, the CDEvent as the body: what the CDEvents spec's examples use. */
    BINARY,
    /** The whole CloudEvent as the body. */
    STRUCTURED;

    /** The mode of a configuration value ({@code binary}, {@code structured}). */
    static Mode parse(String value) {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** The content type of a binary-mode body. */
  public static final String JSON = "application/json";

  /** The content type of a structured-mode body. */
  public static final String STRUCTURED_JSON = "application/cloudevents+json";

  private CloudEventsBinding() {}

  /** The CloudEvents attributes of a CDEvent, by name ({@code specversion}, {@code id}, ...). */
  public static Map<String, String> attributes(CdEvent event) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("specversion", "1.0");
    attributes.put("id", event.id());
    attributes.put("source", event.source());
    attributes.put("type", event.type());
    attributes.put("subject", event.subjectId());
    attributes.put("time", event.timestamp().toString());
    return attributes;
  }

  /** A structured-mode body: the CloudEvent with the CDEvent as {@code data}. */
  public static String structured(CdEvent event) {
    try {
      ObjectNode cloudEvent = Json.mapper().createObjectNode();
      attributes(event).forEach(cloudEvent::put);
      cloudEvent.put("datacontenttype", JSON);
      cloudEvent.set("data", Json.mapper().readTree(event.json()));
      return Json.mapper().writeValueAsString(cloudEvent);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a CloudEvent: " + e.getOriginalMessage(), e);
    }
  }
}
