package dev.lockstep.cli.local;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The local mode's prober: while a scenario's upgrade runs, it asks the health endpoint of every
 * component of the release that names a workload (the simulated cluster's endpoints, which answer
 * 503 while a workload has no ready replica or runs a degraded image) at a small steady load,
 * {@link #RATE} requests a second in all, the components in turn; when the upgrade has ended it
 * publishes what it saw as {@code availability.observed}, which the post-mortem shows next to the
 * plan's expected downtime. A probe that does not answer 2xx within {@link #TIMEOUT} failed.
 */
final class AvailabilityProbe implements AutoCloseable {
  /** Requests a second, over all the components. */
  static final int RATE = 20;

  /** How long a probe may take. */
  static final Duration TIMEOUT = Duration.ofMillis(500);

  /** One probe: when, and whether it was answered 2xx in time. */
  record Sample(Instant at, boolean ok) {}

  private final String platform;
  private final String upgradeId;
  private final Map<String, URI> endpoints;
  private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
  private final ScheduledExecutorService timer;
  private final Instant from = Instant.now();
  private int next;

  private AvailabilityProbe(String platform, String upgradeId, Map<String, URI> endpoints) {
    this.platform = platform;
    this.upgradeId = upgradeId;
    this.endpoints = endpoints;
    endpoints.keySet().forEach(c -> samples.put(c, new ArrayList<>()));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "lockstep-probe-" + platform);
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts probing the components of {@code release} that name a workload, at {@code
   * endpointsBaseUrl}'s {@code /{namespace}/{name}/health}.
   */
  static AvailabilityProbe start(
      String platform, String upgradeId, Release release, String endpointsBaseUrl) {
    Map<String, URI> endpoints = new LinkedHashMap<>();
    for (Component c : release.spec().components()) {
      if (c.workload() != null) {
        endpoints.put(
            c.name(),
            URI.create(
                endpointsBaseUrl
                    + "/"
                    + c.workload().namespace()
                    + "/"
                    + c.workload().name()
                    + "/health"));
      }
    }
    AvailabilityProbe probe = new AvailabilityProbe(platform, upgradeId, endpoints);
    if (!endpoints.isEmpty()) {
      probe.timer.scheduleAtFixedRate(probe::probeNext, 0, 1000 / RATE, TimeUnit.MILLISECONDS);
    }
    return probe;
  }

  private void probeNext() {
    List<String> components = new ArrayList<>(endpoints.keySet());
    String component = components.get(next++ % components.size());
    Instant at = Instant.now();
    boolean ok;
    try {
      HttpResponse<Void> answer =
          http.send(
              HttpRequest.newBuilder(endpoints.get(component)).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      ok = answer.statusCode() / 100 == 2;
    } catch (java.io.IOException e) {
      ok = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    synchronized (samples) {
      samples.get(component).add(new Sample(at, ok));
    }
  }

  /** Stops probing; what was seen up to {@code until} (the upgrade's end). */
  AvailabilityObserved observed(Instant until) {
    close();
    List<ComponentAvailability> components = new ArrayList<>();
    synchronized (samples) {
      samples.forEach(
          (component, seen) ->
              components.add(
                  of(
                      component,
                      endpoints.get(component),
                      seen.stream().filter(s -> !s.at().isAfter(until)).toList(),
                      until)));
    }
    return new AvailabilityObserved(upgradeId, platform, "lockstep local", from, until, components);
  }

  /**
   * One component's figures: a stretch of unavailability runs from a failed probe that follows a
   * success (or the start) to the next success (or the end).
   */
  static ComponentAvailability of(
      String component, URI endpoint, List<Sample> seen, Instant until) {
    int failures = 0;
    Duration unavailable = Duration.ZERO;
    Duration longest = Duration.ZERO;
    Instant down = null;
    for (Sample s : seen) {
      if (!s.ok()) {
        failures++;
        if (down == null) {
          down = s.at();
        }
      } else if (down != null) {
        Duration outage = Duration.between(down, s.at());
        unavailable = unavailable.plus(outage);
        longest = outage.compareTo(longest) > 0 ? outage : longest;
        down = null;
      }
    }
    if (down != null && until.isAfter(down)) {
      Duration outage = Duration.between(down, until);
      unavailable = unavailable.plus(outage);
      longest = outage.compareTo(longest) > 0 ? outage : longest;
    }
    return new ComponentAvailability(
        component, endpoint.toString(), seen.size(), failures, unavailable, longest);
  }

  /** Publishes what was seen on the broker at {@code bootstrapServers}. */
  static EventEnvelope publish(String bootstrapServers, AvailabilityObserved observed) {
    EventCatalog catalog = EventCatalog.standard();
    EventEnvelope event =
        EventEnvelope.create(
            catalog,
            "prober",
            observed.platform(),
            observed.upgradeId(),
            observed,
            null,
            Clock.systemUTC());
    Properties config = new Properties();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new EventCodec(catalog).toRecord(event)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot publish availability.observed: " + e, e);
    }
    return event;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
