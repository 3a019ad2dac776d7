package dev.lockstep.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.config.CliConfig;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Calls the services with the configured token; turns every failure into a {@link CliException}
 * with its exit code and hint ({@link Failures}). The token goes into the Authorization header
 * only, never into a message.
 */
public final class ServiceClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final CliConfig config;
  private final Path configFile;
  private final HttpClient http;

  /** A client of the services a configuration names. */
  public ServiceClient(CliConfig config, Path configFile) {
    this.config = config;
    this.configFile = configFile;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The configuration. */
  public CliConfig config() {
    return config;
  }

  /** A successful answer. */
  public record Answer(int status, String body) {
    /** The body as JSON. */
    public JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.UNAVAILABLE,
            "the service answered something that is not JSON",
            "check that the URL points at a lockstep service");
      }
    }
  }

  /** Sends a call; returns a 2xx answer, or throws the failure. */
  public Answer send(Call call) {
    HttpResponse<String> response;
    try {
      response = http.send(request(call, REQUEST_TIMEOUT), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw Failures.ofIo(call, call.service().base(config), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNAVAILABLE, "interrupted", null);
    }
    if (response.statusCode() >= 400) {
      throw Failures.ofStatus(
          call,
          call.service().base(config),
          response.statusCode(),
          response.body(),
          config.hasToken(),
          configFile);
    }
    return new Answer(response.statusCode(), response.body());
  }

  /**
   * Sends a call whose answer is a stream of lines, and hands each line over as it arrives (no time
   * limit: a paced replay takes as long as it takes).
   */
  public void lines(Call call, Consumer<String> each) {
    HttpResponse<Stream<String>> response;
    try {
      response = http.send(request(call, null), HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw Failures.ofIo(call, call.service().base(config), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNAVAILABLE, "interrupted", null);
    }
    try (Stream<String> body = response.body()) {
      if (response.statusCode() >= 400) {
        throw Failures.ofStatus(
            call,
            call.service().base(config),
            response.statusCode(),
            body.collect(Collectors.joining("\n")),
            config.hasToken(),
            configFile);
      }
      for (Iterator<String> it = body.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (!line.isBlank()) {
          each.accept(line);
        }
      }
    } catch (UncheckedIOException e) {
      throw Failures.ofIo(call, call.service().base(config), e.getCause());
    }
  }

  /** A path segment, encoded. */
  public static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A query parameter value, encoded. */
  public static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private HttpRequest request(Call call, Duration timeout) {
    URI uri = URI.create(call.service().base(config) + call.path());
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).header("Accept", call.accept());
    if (timeout != null) {
      builder.timeout(timeout);
    }
    if (config.hasToken()) {
      builder.header("Authorization", "Bearer " + config.token());
    }
    if (call.body() != null) {
      builder
          .header("Content-Type", call.contentType())
          .method(
              call.method(),
              HttpRequest.BodyPublishers.ofString(call.body(), StandardCharsets.UTF_8));
    } else {
      builder.method(call.method(), HttpRequest.BodyPublishers.noBody());
    }
    return builder.build();
  }
}
