package dev.lockstep.cli.http;

/**
 * One HTTP call to a service.
 *
 * @param service the service
 * @param method GET or POST
 * @param path the path and query, from the service's root ({@code /api/v1/...})
 * @param contentType the body's media type, or null without a body
 * @param body the body, or null
 * @param accept the media type asked for
 * @param role the role the route needs, named when a token lacks it
 * @param rejectedHint what to suggest when the service rejects the request (4xx), or null
 */
public record Call(
    Service service,
    String method,
    String path,
    String contentType,
    String body,
    String accept,
    String role,
    String rejectedHint) {
  /** JSON. */
  public static final String JSON = "application/json";

  /** A GET that wants JSON. */
  public static Call get(Service service, String path, String role) {
    return new Call(service, "GET", path, null, null, JSON, role, null);
  }

  /** A POST of a JSON body that wants JSON. */
  public static Call post(Service service, String path, String body, String role) {
    return new Call(service, "POST", path, body == null ? null : JSON, body, JSON, role, null);
  }

  /** The same call with another body type. */
  public Call withContentType(String type) {
    return new Call(service, method, path, type, body, accept, role, rejectedHint);
  }

  /** The same call asking for another media type. */
  public Call accepting(String type) {
    return new Call(service, method, path, contentType, body, type, role, rejectedHint);
  }

  /** The same call with a hint for a rejection. */
  public Call onRejected(String hint) {
    return new Call(service, method, path, contentType, body, accept, role, hint);
  }
}
