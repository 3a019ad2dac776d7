package dev.lockstep.events;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the event catalogue: the wire type, where it travels, who writes and reads it, and
 * which versions of its data are understood. The payload class holds the newest version; older
 * versions are read by upcasting their JSON.
 *
 * @param name the {@code ce_type}, {@code dev.lockstep.<noun>.<past-verb>}
 * @param topic the topic the type travels on
 * @param version the newest version, the one producers write
 * @param oldestSupported the oldest version consumers still read
 * @param payload the record of the newest version
 * @param producer the service that writes it (one writer per topic)
 * @param consumers the services that read it
 * @param summary one sentence for the event catalogue
 */
public record EventType(
    String name,
    String topic,
    int version,
    int oldestSupported,
    Class<? extends EventPayload> payload,
    String producer,
    List<String> consumers,
    String summary) {

  /** The prefix of every Lockstep type. */
  public static final String PREFIX = "dev.lockstep.";

  private static final String SCHEMA_URN = "urn:lockstep:schema:";

  public EventType {
    Objects.requireNonNull(name, "name");
    if (!name.startsWith(PREFIX)) {
      throw new IllegalArgumentException("event type must start with " + PREFIX + ": " + name);
    }
    if (oldestSupported < 1 || oldestSupported > version) {
      throw new IllegalArgumentException("bad version range for " + name);
    }
    consumers = List.copyOf(consumers);
  }

  /** The type without its prefix, as DESIGN names it: {@code upgrade.requested}. */
  public String shortName() {
    return name.substring(PREFIX.length());
  }

  /** The {@code ce_dataschema} of the newest version. */
  public URI dataschema() {
    return dataschema(name, version);
  }

  /** The {@code ce_dataschema} of a type and version: {@code urn:lockstep:schema:<type>:v<N>}. */
  public static URI dataschema(String type, int version) {
    return URI.create(SCHEMA_URN + type + ":v" + version);
  }

  /**
   * Reads the version from a {@code ce_dataschema}; a clear error when it is not a Lockstep schema
   * of the given type.
   */
  public static int versionOf(String type, String dataschema) {
    String prefix = SCHEMA_URN + type + ":v";
    if (dataschema == null || !dataschema.startsWith(prefix)) {
      throw new EventDecodingException(
          EventDecodingException.Reason.MALFORMED_ENVELOPE,
          "dataschema '" + dataschema + "' is not of the form " + prefix + "<N>");
    }
    try {
      int version = Integer.parseInt(dataschema.substring(prefix.length()));
      if (version < 1) {
        throw new NumberFormatException();
      }
      return version;
    } catch (NumberFormatException e) {
      throw new EventDecodingException(
          EventDecodingException.Reason.MALFORMED_ENVELOPE,
          "dataschema '" + dataschema + "' has no valid version number");
    }
  }
}
