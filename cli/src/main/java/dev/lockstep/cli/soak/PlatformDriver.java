package dev.lockstep.cli.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.model.Upgrade;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Drives one platform: upgrade after upgrade, each of a random {@link UpgradeKind} with a release
 * of its own ({@link SoakReleases}), each followed by the events on the topics until it ended (its
 * rollbacks included) or its deadline passed, approving every approval step it asks for through the
 * planner's API; now and then it puts garbage on {@code lockstep.requests}. It stops starting
 * upgrades when told to, and finishes the one under way.
 */
final class PlatformDriver implements Runnable {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Duration POLL = Duration.ofMillis(250);

  /** What every driver shares. */
  record Shared(
      EventTap tap,
      SoakHttp http,
      Supplier<List<URI>> planners,
      Supplier<List<URI>> recorders,
      SimulatedEndpoints endpoints,
      Garbage garbage,
      Duration giveUpAfter,
      BooleanSupplier stopping,
      Consumer<String> log) {}

  private final String platform;
  private final SoakReleases releases;
  private final String workbenchNamespace;
  private final Shared shared;
  private final Random random;
  private final List<UpgradeRun> runs = new CopyOnWriteArrayList<>();
  private int releaseNumber;

  PlatformDriver(
      String platform, SoakReleases releases, String workbenchNamespace, Shared shared, long seed) {
    this.platform = platform;
    this.releases = releases;
    this.workbenchNamespace = workbenchNamespace;
    this.shared = shared;
    this.random = new Random(seed);
  }

  /**
   * The driver of one of a local mode's platforms, whose releases are the platform's sample release
   * bumped ({@link SoakReleases}) and whose failing-gate upgrades degrade the workbench's new image
   * in the platform's namespace.
   */
  static PlatformDriver of(LocalMode local, String platform, Shared shared, long seed) {
    SoakReleases releases =
        new SoakReleases(local.release(platform), Set.of(Soak.MAJOR_EVERY_RELEASE));
    String namespace =
        local
            .sample(platform)
            .releaseManifest()
            .component(SamplePlatform.FAILING_COMPONENT)
            .orElseThrow()
            .workload()
            .namespace();
    return new PlatformDriver(platform, releases, namespace, shared, seed);
  }

  @Override
  public void run() {
    while (!shared.stopping().getAsBoolean()) {
      if (random.nextInt(20) == 0) {
        try {
          Garbage.Sent sent = shared.garbage().send(platform, random);
          shared
              .log()
              .accept(
                  "garbage   "
                      + platform
                      + " at requests/"
                      + sent.partition()
                      + "@"
                      + sent.offset());
        } catch (RuntimeException e) {
          shared.log().accept("garbage   " + platform + " not sent: " + e.getMessage());
        }
      }
      UpgradeKind kind = pickKind();
      try {
        runNext(kind);
      } catch (RuntimeException e) {
        shared.log().accept("driver    " + platform + " " + kind + " failed: " + e);
      }
      pause(500 + random.nextInt(2_500));
    }
  }

  /**
   * Submits the platform's next release as an upgrade of the kind and follows it to its end (or its
   * give-up time); the run, also kept in {@link #runs}.
   */
  UpgradeRun runNext(UpgradeKind kind) {
    UpgradeRun run = run(kind, ++releaseNumber);
    runs.add(run);
    return run;
  }

  private UpgradeKind pickKind() {
    int roll = random.nextInt(100);
    if (roll < 40) {
      return UpgradeKind.CLEAN;
    }
    if (roll < 65) {
      return UpgradeKind.FAILING_GATE;
    }
    if (roll < 80) {
      return UpgradeKind.APPROVAL;
    }
    return UpgradeKind.CANCEL;
  }

  /** Submits release {@code n} as an upgrade of the kind and follows it to its end. */
  private UpgradeRun run(UpgradeKind kind, int n) {
    String upgradeId = "up-" + new UUID(random.nextLong(), random.nextLong());
    String image = releases.image(SamplePlatform.FAILING_COMPONENT, n);
    List<String> notes = new ArrayList<>();
    if (kind == UpgradeKind.FAILING_GATE) {
      shared.endpoints().degrade(workbenchNamespace, image);
    }
    Instant submittedAt = Instant.now();
    // until its deadline is derived from its plans (Deadlines), when the soak gives up on it
    Instant deadline = submittedAt.plus(shared.giveUpAfter());
    try {
      SoakHttp.Answer answer = submit(upgradeId, kind, n);
      if (!answer.ok() && answer.status() != 409) {
        notes.add("submission answered " + answer.status() + ": " + answer.body());
        return new UpgradeRun(
            platform,
            kind,
            upgradeId,
            releases.version(n),
            submittedAt,
            deadline,
            "rejected",
            Instant.now(),
            "rejected",
            List.of(),
            notes);
      }
      shared
          .log()
          .accept(
              "submit    "
                  + platform
                  + " "
                  + kind
                  + " "
                  + releases.version(n)
                  + " as "
                  + upgradeId);
      Follow follow = new Follow(upgradeId, kind, deadline, notes);
      Ends.Standing end = follow.toEnd();
      String status =
          recorderStatus(
              upgradeId, end.end(), end.ended() ? Duration.ofSeconds(90) : Duration.ZERO);
      return new UpgradeRun(
          platform,
          kind,
          upgradeId,
          releases.version(n),
          submittedAt,
          deadline,
          end.end(),
          end.at(),
          status,
          end.rollbacks(),
          notes);
    } catch (RuntimeException e) {
      // the soak could not follow it (no instance answered for minutes): it counts as not ended
      notes.add("the soak lost track of it: " + e.getMessage());
      return new UpgradeRun(
          platform,
          kind,
          upgradeId,
          releases.version(n),
          submittedAt,
          deadline,
          null,
          null,
          "unknown",
          shared.tap().rollbacksOf(upgradeId),
          notes);
    } finally {
      if (kind == UpgradeKind.FAILING_GATE) {
        shared.endpoints().restore(workbenchNamespace, image);
      }
    }
  }

  private SoakHttp.Answer submit(String upgradeId, UpgradeKind kind, int n) {
    ObjectNode request = Json.mapper().createObjectNode();
    request.put("platform", platform);
    try {
      request.set("release", YAML.readTree(releases.release(n)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    request.put("upgradeId", upgradeId);
    request.put("reason", "soak: " + kind);
    return shared
        .http()
        .post(shared.planners(), "/api/v1/upgrades", "application/json", request.toString());
  }

  /** Follows one upgrade: cancels or asks for its rollback as its kind says, approves, waits. */
  private final class Follow {
    private final String upgradeId;
    private final UpgradeKind kind;
    private final Instant deadline;
    private final List<String> notes;
    private final Set<String> approved = new HashSet<>();
    private final Map<String, Instant> approveAt = new LinkedHashMap<>();
    private boolean rollbackRequested;
    private boolean refusedAtTheApi;
    private boolean cancelSent;
    private final int cancelAt;

    Follow(String upgradeId, UpgradeKind kind, Instant deadline, List<String> notes) {
      this.upgradeId = upgradeId;
      this.kind = kind;
      this.deadline = deadline;
      this.notes = notes;
      // where a cancel strikes: -1 at once, 0 once started, k > 0 once k steps have started
      this.cancelAt = random.nextInt(12) - 1;
    }

    Ends.Standing toEnd() {
      while (Instant.now().isBefore(deadline)) {
        List<EventEnvelope> own = envelopes(shared.tap().events(upgradeId));
        Map<String, List<EventEnvelope>> rollbacks = new LinkedHashMap<>();
        for (String rollback : shared.tap().rollbacksOf(upgradeId)) {
          rollbacks.put(rollback, envelopes(shared.tap().events(rollback)));
        }
        approve(own);
        rollbacks.values().forEach(this::approve);
        if (kind == UpgradeKind.CANCEL && !cancelSent && cancelDue(own)) {
          cancel();
        }
        Ends.Standing standing = Ends.of(own, rollbacks, Instant.now());
        if (kind == UpgradeKind.APPROVAL
            && standing.completed()
            && standing.rollbacks().isEmpty()) {
          if (!rollbackRequested) {
            requestRollback();
          } else if (rollbackRefused(own)) {
            return standing;
          }
        } else if (standing.ended()) {
          return standing;
        }
        pause(POLL.toMillis());
      }
      notes.add("did not end by " + deadline + ", when the soak gave up following it");
      return new Ends.Standing(null, null, false, shared.tap().rollbacksOf(upgradeId));
    }

    private boolean cancelDue(List<EventEnvelope> own) {
      if (cancelAt < 0) {
        return true;
      }
      if (cancelAt == 0) {
        return own.stream().anyMatch(e -> e.data() instanceof UpgradeStarted);
      }
      long started =
          own.stream().filter(e -> e.data() instanceof StepStarted s && s.attempt() == 1).count();
      return started >= cancelAt
          || own.stream().anyMatch(e -> e.type().endsWith("upgrade.completed"));
    }

    private void cancel() {
      cancelSent = true;
      boolean throughRollback = random.nextBoolean();
      SoakHttp.Answer answer =
          throughRollback
              ? shared
                  .http()
                  .post(
                      shared.planners(),
                      "/api/v1/rollbacks",
                      "application/json",
                      Json.mapper()
                          .createObjectNode()
                          .put("upgradeId", upgradeId)
                          .put("reason", "soak: cancel")
                          .toString())
              : shared
                  .http()
                  .post(
                      shared.planners(),
                      "/api/v1/upgrades/" + encode(upgradeId) + "/cancel",
                      "application/json",
                      "{}");
      notes.add(
          (throughRollback ? "rollback requested" : "cancel requested")
              + (cancelAt < 0
                  ? " at once"
                  : cancelAt == 0 ? " once started" : " after " + cancelAt + " steps")
              + ": HTTP "
              + answer.status());
    }

    private void requestRollback() {
      rollbackRequested = true;
      SoakHttp.Answer answer =
          shared
              .http()
              .post(
                  shared.planners(),
                  "/api/v1/rollbacks",
                  "application/json",
                  Json.mapper()
                      .createObjectNode()
                      .put("upgradeId", upgradeId)
                      .put("reason", "soak: approval")
                      .toString());
      notes.add("rollback of the completed upgrade requested: HTTP " + answer.status());
      refusedAtTheApi = !answer.ok();
    }

    private boolean rollbackRefused(List<EventEnvelope> own) {
      boolean refused =
          refusedAtTheApi
              || own.stream()
                  .anyMatch(
                      e ->
                          e.data() instanceof PlanRejected r
                              && r.requestType().endsWith("rollback.requested"));
      if (refused) {
        notes.add("the planner refused the requested rollback");
      }
      return refused;
    }

    /** Approves each approval step asked for, one to three seconds after it was asked. */
    private void approve(List<EventEnvelope> events) {
      for (EventEnvelope event : events) {
        if (event.data() instanceof ApprovalRequested a
            && !approved.contains(a.upgradeId() + "/" + a.stepId())) {
          String key = a.upgradeId() + "/" + a.stepId();
          Instant at =
              approveAt.computeIfAbsent(
                  key, k -> Instant.now().plusMillis(1_000 + random.nextInt(2_000)));
          if (Instant.now().isAfter(at)) {
            SoakHttp.Answer answer =
                shared
                    .http()
                    .post(
                        shared.planners(),
                        "/api/v1/upgrades/"
                            + encode(a.upgradeId())
                            + "/steps/"
                            + encode(a.stepId())
                            + "/approve",
                        "application/json",
                        "{\"comment\":\"soak\"}");
            approved.add(key);
            notes.add("approved " + key + ": HTTP " + answer.status());
          }
        }
      }
    }
  }

  /**
   * The recorder's status of the upgrade: once it says {@code expected} (how the events ended it),
   * or what it says after {@code patience}.
   */
  private String recorderStatus(String upgradeId, String expected, Duration patience) {
    Instant until = Instant.now().plus(patience);
    String status = "unknown";
    do {
      SoakHttp.Answer answer =
          shared.http().get(shared.recorders(), "/api/v1/upgrades/" + encode(upgradeId));
      if (answer.ok()) {
        status = Upgrade.of(answer.json()).status();
        if (status.equals(expected)) {
          return status;
        }
      }
      pause(500);
    } while (Instant.now().isBefore(until));
    return status;
  }

  private static List<EventEnvelope> envelopes(List<EventTap.Read> reads) {
    return reads.stream().map(EventTap.Read::event).toList();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The platform. */
  String platform() {
    return platform;
  }

  /** The releases it submits. */
  SoakReleases releases() {
    return releases;
  }

  /** The upgrades run so far, ended or past their deadline. */
  List<UpgradeRun> runs() {
    return List.copyOf(runs);
  }
}
