package dev.lockstep.events.requests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Builds an {@code upgrade.requested} event as the planner expects it, so that a producer does not
 * have to read the envelope rules out of the design:
 *
 * <pre>{@code
 * UpgradeRequests.Request request =
 *     UpgradeRequests.forPlatform("dataos-prod")
 *         .releaseYaml(Files.readString(Path.of("release-2.4.0.yaml")))
 *         .requestedBy("release-bot")
 *         .reason("monthly release")
 *         .build();
 * producer.send(request.record()).get();
 * }</pre>
 *
 * <p>The record is in CloudEvents binary mode on {@code lockstep.requests}, keyed by the platform,
 * with the subject the upgrade id, the newest {@code dataschema}, a W3C {@code traceparent} (a new
 * trace unless one is given) and an id derived from the platform and the upgrade id, so that a
 * request sent twice is recognisably the same event and planned once. {@link Builder#build()}
 * checks the release with the planner's own parser and throws {@link InvalidRequestException} with
 * every problem, so a malformed release never reaches the topic.
 */
public final class UpgradeRequests {
  private static final Pattern TRACEPARENT =
      Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private UpgradeRequests() {}

  /** A builder for a request to upgrade one platform. */
  public static Builder forPlatform(String platform) {
    return new Builder(platform);
  }

  /**
   * The id of the request for an upgrade of a platform: a name-based UUID of both, the same every
   * time.
   */
  public static String eventIdOf(String platform, String upgradeId) {
    return UUID.nameUUIDFromBytes(
            ("upgrade.requested/" + platform + "/" + upgradeId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /**
   * A built request.
   *
   * @param event the event, as Lockstep's consumers will read it
   * @param record the Kafka record to send
   */
  public record Request(EventEnvelope event, ProducerRecord<String, byte[]> record) {
    /** The upgrade id (the event's subject). */
    public String upgradeId() {
      return event.subject();
    }
  }

  /** Collects the fields of a request; {@link #build()} checks them all at once. */
  public static final class Builder {
    private final String platform;
    private String upgradeId;
    private Release release;
    private JsonNode releaseTree;
    private ReleaseRef releaseRef;
    private String requestedBy;
    private String reason;
    private Instant notBefore;
    private Instant notAfter;
    private URI source = URI.create("urn:lockstep:producer");
    private String traceparent;
    private Clock clock = Clock.systemUTC();

    private Builder(String platform) {
      this.platform = platform;
    }

    /** The upgrade's id; by default {@code up-} and a random UUID. Reuse it to retry a send. */
    public Builder upgradeId(String id) {
      this.upgradeId = id;
      return this;
    }

    /** The release to upgrade to, as a manifest in YAML (or JSON). */
    public Builder releaseYaml(String manifest) {
      ReleaseParser.Result parsed = ReleaseParser.parseYaml(manifest);
      if (!parsed.ok()) {
        throw new InvalidRequestException(rebase(parsed.errors()));
      }
      return release(parsed.release());
    }

    /** The release to upgrade to, as a manifest tree (read from JSON or YAML). */
    public Builder releaseTree(JsonNode manifest) {
      this.releaseTree = Objects.requireNonNull(manifest, "manifest");
      this.release = null;
      return this;
    }

    /** The release to upgrade to. */
    public Builder release(Release r) {
      this.release = Objects.requireNonNull(r, "release");
      this.releaseTree = null;
      return this;
    }

    /** A release already in the planner's catalogue, instead of a manifest. */
    public Builder releaseRef(String product, String version) {
      this.releaseRef = new ReleaseRef(product, version);
      return this;
    }

    /** Who asks: a person or a service; required. */
    public Builder requestedBy(String who) {
      this.requestedBy = who;
      return this;
    }

    /** Why, for the audit trail and the teams' notifications. */
    public Builder reason(String why) {
      this.reason = why;
      return this;
    }

    /** The maintenance window; either end may be null. */
    public Builder window(Instant from, Instant until) {
      this.notBefore = from;
      this.notAfter = until;
      return this;
    }

    /** The CloudEvents source of the producer, such as {@code urn:release-bot}. */
    public Builder source(URI producer) {
      this.source = Objects.requireNonNull(producer, "source");
      return this;
    }

    /** The W3C trace context to continue; by default a new trace. */
    public Builder traceparent(String context) {
      this.traceparent = context;
      return this;
    }

    /** The clock of the event's time (tests). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** The request; {@link InvalidRequestException} with every problem when it is not valid. */
    public Request build() {
      List<ErrorDetail> errors = new ArrayList<>();
      if (platform == null || platform.isBlank()) {
        errors.add(new ErrorDetail("invalid-request", "platform", "platform is required"));
      }
      if (requestedBy == null || requestedBy.isBlank()) {
        errors.add(new ErrorDetail("invalid-request", "requestedBy", "requestedBy is required"));
      }
      if (upgradeId != null && upgradeId.isBlank()) {
        errors.add(new ErrorDetail("invalid-request", "upgradeId", "upgradeId must not be blank"));
      }
      if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
        errors.add(
            new ErrorDetail(
                "invalid-request",
                "traceparent",
                "traceparent '" + traceparent + "' is not a W3C trace context (00-<32>-<16>-<2>)"));
      }
      Release manifest = release;
      if (releaseTree != null || manifest != null) {
        JsonNode tree = releaseTree != null ? releaseTree : Json.mapper().valueToTree(manifest);
        ReleaseParser.Result parsed = ReleaseParser.parse(tree, "release");
        errors.addAll(parsed.errors());
        manifest = parsed.release();
      }
      if ((manifest == null && releaseTree == null) == (releaseRef == null)) {
        errors.add(
            new ErrorDetail(
                "invalid-request",
                "release",
                "a request names exactly one release: a manifest or a releaseRef"));
      }
      if (notBefore != null && notAfter != null && !notBefore.isBefore(notAfter)) {
        errors.add(
            new ErrorDetail(
                "invalid-request", "window", "window.notBefore must be before window.notAfter"));
      }
      if (!errors.isEmpty()) {
        throw new InvalidRequestException(errors);
      }
      String id = upgradeId != null ? upgradeId : "up-" + UUID.randomUUID();
      Window window =
          notBefore == null && notAfter == null ? null : new Window(notBefore, notAfter);
      UpgradeRequested data =
          new UpgradeRequested(id, platform, manifest, releaseRef, requestedBy, reason, window);
      EventType type = EventCatalog.standard().typeOf(UpgradeRequested.class);
      EventEnvelope event =
          new EventEnvelope(
              eventIdOf(platform, id),
              source,
              type.name(),
              type.version(),
              id,
              clock.instant(),
              platform,
              null,
              traceparent != null ? traceparent : newTraceparent(),
              data);
      return new Request(event, EventCodec.standard().toRecord(event));
    }

    private static List<ErrorDetail> rebase(List<ErrorDetail> errors) {
      return errors.stream()
          .map(
              e ->
                  new ErrorDetail(
                      e.code(),
                      e.path().isEmpty() ? "release" : "release." + e.path(),
                      e.message()))
          .toList();
    }
  }

  /** A new W3C trace context: version 00, a random trace and span id, sampled. */
  public static String newTraceparent() {
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    RANDOM.nextBytes(trace);
    RANDOM.nextBytes(span);
    HexFormat hex = HexFormat.of();
    return "00-" + hex.formatHex(trace) + "-" + hex.formatHex(span) + "-01";
  }
}
