package dev.lockstep.recorder.projection;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.events.Json;
import java.io.UncheckedIOException;

/**
 * The JSON form of the recorder's views: the contract's settings, but with nulls written out, since
 * clients rely on {@code "from": null} for a new component (DESIGN section 9).
 */
public final class ViewJson {
  private static final ObjectMapper MAPPER =
      Json.newMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private ViewJson() {}

  /** The shared mapper; do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** A value as JSON text. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /** JSON text as a view. */
  public static UpgradeView readView(String json) {
    try {
      return MAPPER.readValue(json, UpgradeView.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("a stored view is not readable", e);
    }
  }
}
