package dev.lockstep.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a failed call means for the user: the exit code, the message, the service's errors and a
 * hint. A pure function of the call, the HTTP status and the body, so that every mapping is tested
 * without a server.
 */
public final class Failures {
  private Failures() {}

  /** The failure for an answer with a status of 400 or more. */
  public static CliException ofStatus(
      Call call, URI base, int status, String body, boolean hadToken, Path configFile) {
    List<ErrorDetail> errors = errors(body);
    String service = call.service().label();
    String tokenHint =
        "set " + "LOCKSTEP_TOKEN, or run `lockstep local`, which stores a token in " + configFile;
    if (status == 401) {
      return new CliException(
          ExitCodes.NOT_AUTHORIZED,
          "the "
              + service
              + " refused the request: "
              + (hadToken ? "the token is not valid or has expired" : "no token is configured")
              + " (HTTP 401)",
          tokenHint);
    }
    if (status == 403) {
      return new CliException(
          ExitCodes.NOT_AUTHORIZED,
          "the token does not allow this"
              + (call.role() == null ? "" : ": it needs the role " + call.role())
              + " (HTTP 403)",
          "use a token with the role "
              + (call.role() == null ? "the route needs" : call.role())
              + "; "
              + tokenHint);
    }
    if (status == 404) {
      if (errors.isEmpty()) {
        return new CliException(
            ExitCodes.NOT_FOUND,
            "the "
                + service
                + " has no "
                + call.method()
                + " "
                + route(call.path())
                + " (HTTP 404)",
            "is " + base + " the " + service + "? set " + call.service().variable());
      }
      return new CliException(
          ExitCodes.NOT_FOUND,
          errors.get(0).message(),
          notFoundHint(errors.get(0)),
          errors.subList(1, errors.size()));
    }
    if (status >= 500) {
      return new CliException(
          ExitCodes.UNAVAILABLE,
          "the " + service + " failed (HTTP " + status + ")",
          "try again; if it keeps failing, see the " + service + "'s log",
          errors);
    }
    return new CliException(
        ExitCodes.REJECTED,
        "the " + service + " rejected the request (HTTP " + status + ")",
        call.rejectedHint() != null ? call.rejectedHint() : "fix what the errors name and retry",
        errors);
  }

  /** The failure for a call that got no answer. */
  public static CliException ofIo(Call call, URI base, IOException e) {
    String why;
    if (e instanceof HttpConnectTimeoutException) {
      why = "the connection timed out";
    } else if (e instanceof HttpTimeoutException) {
      why = "no answer in time";
    } else if (e instanceof ConnectException) {
      why = "connection refused";
    } else if (e instanceof UnknownHostException) {
      why = "unknown host " + base.getHost();
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new CliException(
        ExitCodes.UNAVAILABLE,
        "cannot reach the " + call.service().label() + " at " + base + ": " + why,
        "is `lockstep local` running? set "
            + call.service().variable()
            + " to the "
            + call.service().label()
            + "'s URL");
  }

  /** The errors of a body {@code {"errors":[{code,path,message}]}}, or none. */
  public static List<ErrorDetail> errors(String body) {
    List<ErrorDetail> errors = new ArrayList<>();
    if (body == null || body.isBlank()) {
      return errors;
    }
    try {
      JsonNode tree = Json.mapper().readTree(body);
      JsonNode list = tree == null ? null : tree.get("errors");
      if (list != null && list.isArray()) {
        for (JsonNode e : list) {
          String code = e.path("code").asText("error");
          String message = e.path("message").asText("");
          if (!message.isBlank()) {
            errors.add(new ErrorDetail(code, e.path("path").asText(""), message));
          }
        }
      }
    } catch (IOException e) {
      // not JSON (a proxy's page, say): the status says enough
    }
    return errors;
  }

  private static String notFoundHint(ErrorDetail error) {
    return switch (error.path()) {
      case "upgradeId", "id" -> "`lockstep status` lists the upgrades";
      case "platform" ->
          "the planner knows the platforms it is configured with (lockstep.platforms.<id>)";
      case "releaseRef" -> "publish the release first, or submit the release file itself";
      default -> null;
    };
  }

  private static String route(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }
}
