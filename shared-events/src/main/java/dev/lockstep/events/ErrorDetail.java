package dev.lockstep.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One problem with a request, a manifest or an event: a stable code, a path into the input ({@code
 * release.spec.components[3].requires.poros}) and a message that names what is involved. The same
 * shape serves the API's {@code {"errors":[...]}} bodies and {@code plan.rejected}. The path is
 * always written, empty when the problem is with the request as a whole (the services' JSON leaves
 * empty strings out otherwise).
 */
public record ErrorDetail(
    String code, @JsonInclude(JsonInclude.Include.ALWAYS) String path, String message) {
  public ErrorDetail {
    Objects.requireNonNull(code, "code");
    path = path == null ? "" : path;
    Objects.requireNonNull(message, "message");
  }
}
