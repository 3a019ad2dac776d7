package dev.lockstep.testkit.otlp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real OTLP receiver for tests: {@link OtlpReceiverMain} in a JVM of its own ({@code java -Xmx64m
 * -cp <this JVM's class path>}), which services export their spans to over the network exactly as
 * to an OpenTelemetry collector ({@code OTEL_EXPORTER_OTLP_ENDPOINT=}{@link #endpoint()}, protocol
 * {@code http/protobuf}). {@link #spans()} asks it what it received.
 */
public final class OtlpReceiver implements AutoCloseable {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private OtlpReceiver(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts the receiver; returns once it takes requests.
   *
   * @param directory where its output ({@code otlp-receiver.log}) goes
   */
  public static OtlpReceiver start(Path directory) {
    try {
      Files.createDirectories(directory);
      Path log = directory.resolve("otlp-receiver.log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx64m");
      command.add("-XX:+UseSerialGC");
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(OtlpReceiverMain.class.getName());
      command.add(Long.toString(ProcessHandle.current().pid()));
      Process process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      CompletableFuture<Integer> port =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  BufferedReader out =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  String line = out.readLine();
                  if (line == null || !line.startsWith("listening on ")) {
                    throw new IllegalStateException("the OTLP receiver did not start: see " + log);
                  }
                  return Integer.parseInt(line.substring("listening on ".length()).trim());
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      try {
        return new OtlpReceiver(process, port.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      } catch (ExecutionException | TimeoutException e) {
        process.destroyForcibly();
        throw new IllegalStateException("the OTLP receiver did not start: see " + log, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the OTLP receiver", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The base URL to export to ({@code OTEL_EXPORTER_OTLP_ENDPOINT}): {@code /v1/traces} below it.
   */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Every span received so far. */
  public List<ReceivedSpan> spans() {
    try {
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(URI.create(endpoint() + "/spans"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return JSON.readValue(response.body(), new TypeReference<List<ReceivedSpan>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("cannot ask the OTLP receiver", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
