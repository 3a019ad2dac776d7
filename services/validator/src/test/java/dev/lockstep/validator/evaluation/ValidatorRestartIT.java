package dev.lockstep.validator.evaluation;

import static dev.lockstep.validator.TestingValidator.awaitGateEvents;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.gateEvents;
import static dev.lockstep.validator.TestingValidator.measured;
import static dev.lockstep.validator.TestingValidator.platform;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.manifest.Gate;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.ledger.GateKey;
import io.micronaut.context.ApplicationContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A validator stopped in the middle of a gate: the next one rebuilds the gate from the log and
 * continues from the measurements already published, without repeating one, and publishes exactly
 * one verdict; a gate that had its verdict is not evaluated again; when two instances share the
 * group and the one running a gate stops (or an instance joins mid-gate and then the owner stops),
 * the other finishes it; and two instances that both ran one gate (one paused past its session)
 * publish its measurements and verdict with the same ids, so that consumers keep one of each.
 */
class ValidatorRestartIT {
  private static HttpServer server;

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/health",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  /** The configuration that lets the platform's gates ask the test server on 127.0.0.1. */
  private static Map<String, Object> reachable(String platform) {
    return Map.of("lockstep.platforms." + platform + ".gates.http-hosts", List.of("127.0.0.1"));
  }

  private static Gate health(String name, int count) {
    return gate(
        name,
        null,
        new Gate.HttpCheck(
            "http://127.0.0.1:" + server.getAddress().getPort() + "/health",
            null,
            200,
            null,
            null,
            null,
            null),
        null,
        null,
        "400ms",
        count,
        null,
        null,
        null,
        null);
  }

  @Test
  void aRestartedValidatorResumesAGateWithoutLosingOrRepeatingAnything() {
    String group = "validator-restart-" + UUID.randomUUID();
    String platform = platform("restart");
    String upgrade = "u-" + platform;
    List<EventEnvelope> beforeRestart;
    ApplicationContext first = TestingValidator.start(group, reachable(platform));
    try {
      request(platform, upgrade, health("long", 6), GatePurpose.VERIFY, Instant.now());
      beforeRestart = awaitGateEvents(platform, events -> measured(events).size() >= 2);
    } finally {
      first.close();
    }
    List<EventEnvelope> afterRestart;
    ApplicationContext second = TestingValidator.start(group, reachable(platform));
    try {
      afterRestart =
          awaitGateEvents(
              platform, events -> events.stream().anyMatch(TestingValidator::isVerdict));
      // A later gate of the same platform: by its verdict, any repeated work on the first shows.
      request(platform, upgrade, health("sentinel", 2), GatePurpose.VERIFY, Instant.now());
      afterRestart =
          awaitGateEvents(
              platform,
              events ->
                  events.stream()
                      .anyMatch(
                          e ->
                              e.data() instanceof GatePassed p && p.gateName().equals("sentinel")));
    } finally {
      second.close();
    }

    assertThat(measured(beforeRestart)).hasSizeLessThan(6);
    List<GateMeasured> longMeasurements =
        measured(afterRestart).stream().filter(m -> m.gateName().equals("long")).toList();
    assertThat(longMeasurements)
        .extracting(m -> m.measurement().index())
        .containsExactly(0, 1, 2, 3, 4, 5);
    List<GatePassed> verdicts =
        afterRestart.stream()
            .filter(e -> e.data() instanceof GatePassed p && p.gateName().equals("long"))
            .map(e -> (GatePassed) e.data())
            .toList();
    assertThat(verdicts).hasSize(1);
    assertThat(verdicts.get(0).measurements())
        .extracting(m -> m.index())
        .containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(verdicts.get(0).measurements().subList(0, measured(beforeRestart).size()))
        .isEqualTo(measured(beforeRestart).stream().map(GateMeasured::measurement).toList());
  }

  @Test
  void aGateWithAVerdictIsNotEvaluatedAgainAfterARestart() {
    String group = "validator-restart-" + UUID.randomUUID();
    String platform = platform("restart");
    String upgrade = "u-" + platform;
    ApplicationContext first = TestingValidator.start(group, reachable(platform));
    try {
      request(platform, upgrade, health("done", 1), GatePurpose.VERIFY, Instant.now());
      awaitGateEvents(platform, events -> events.stream().anyMatch(TestingValidator::isVerdict));
    } finally {
      first.close();
    }
    List<EventEnvelope> events;
    ApplicationContext second = TestingValidator.start(group, reachable(platform));
    try {
      request(platform, upgrade, health("sentinel", 2), GatePurpose.VERIFY, Instant.now());
      events =
          awaitGateEvents(
              platform,
              list ->
                  list.stream()
                      .anyMatch(
                          e ->
                              e.data() instanceof GatePassed p && p.gateName().equals("sentinel")));
    } finally {
      second.close();
    }

    assertThat(measured(events).stream().filter(m -> m.gateName().equals("done"))).hasSize(1);
    assertThat(
            events.stream()
                .filter(e -> e.data() instanceof GatePassed p && p.gateName().equals("done")))
        .hasSize(1);
  }

  @Test
  void whenTheInstanceRunningAGateStopsAnotherOneOfTheGroupFinishesIt() {
    String group = "validator-handover-" + UUID.randomUUID();
    String platform = platform("handover");
    String upgrade = "u-" + platform;
    ApplicationContext one = TestingValidator.start(group, reachable(platform));
    ApplicationContext two = TestingValidator.start(group, reachable(platform));
    List<EventEnvelope> events;
    try {
      EventEnvelope request =
          request(platform, upgrade, health("long", 6), GatePurpose.VERIFY, Instant.now());
      GateKey key = GateKey.of(request.dataAs(GateRequested.class));
      awaitGateEvents(platform, list -> measured(list).size() >= 2);
      ApplicationContext owner =
          one.getBean(GateRunner.class).isRunning(key)
              ? one
              : two.getBean(GateRunner.class).isRunning(key) ? two : null;
      assertThat(owner).as("an instance of the group runs the gate").isNotNull();
      ApplicationContext survivor = owner == one ? two : one;
      owner.close();

      awaitGateEvents(
          platform,
          list ->
              list.stream()
                  .anyMatch(e -> e.data() instanceof GatePassed p && p.gateName().equals("long")));
      // A later gate of the same platform: by its verdict, any repeated work on the first shows.
      request(platform, upgrade, health("sentinel", 2), GatePurpose.VERIFY, Instant.now());
      events =
          awaitGateEvents(
              platform,
              list ->
                  list.stream()
                      .anyMatch(
                          e ->
                              e.data() instanceof GatePassed p && p.gateName().equals("sentinel")));
      assertThat(survivor.getBean(GateRunner.class).isRunning(key)).isFalse();
    } finally {
      one.close();
      two.close();
    }

    assertThat(measured(events).stream().filter(m -> m.gateName().equals("long")))
        .extracting(m -> m.measurement().index())
        .containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(
            events.stream()
                .filter(
                    e -> TestingValidator.isVerdict(e) && e.data().toString().contains("w0-long")))
        .hasSize(1);
  }

  @Test
  void anInstanceAddedMidGateAndThenTheOwnerStoppedEndWithOneVerdict() {
    String group = "validator-added-" + UUID.randomUUID();
    String platform = platform("added");
    String upgrade = "u-" + platform;
    ApplicationContext one = TestingValidator.start(group, reachable(platform));
    ApplicationContext two = null;
    List<EventEnvelope> events;
    try {
      EventEnvelope request =
          request(platform, upgrade, health("long", 15), GatePurpose.VERIFY, Instant.now());
      GateKey key = GateKey.of(request.dataAs(GateRequested.class));
      awaitGateEvents(platform, list -> measured(list).size() >= 2);
      two = TestingValidator.start(group, reachable(platform));
      ApplicationContext first = one;
      ApplicationContext second = two;
      // The group rebalances: the gate's partition stays or moves to the new instance.
      Eventually.until(
          "an instance of the group runs the gate after the rebalance",
          Duration.ofSeconds(30),
          () ->
              first.getBean(GateRunner.class).isRunning(key)
                  ^ second.getBean(GateRunner.class).isRunning(key));
      ApplicationContext owner = one.getBean(GateRunner.class).isRunning(key) ? one : two;
      assertThat(measured(gateEvents(platform)))
          .as("the gate is still running")
          .hasSizeLessThan(15);
      owner.close();

      awaitGateEvents(
          platform,
          list ->
              list.stream()
                  .anyMatch(e -> e.data() instanceof GatePassed p && p.gateName().equals("long")));
      // A later gate of the same platform: by its verdict, any repeated work on the first shows.
      request(platform, upgrade, health("sentinel", 2), GatePurpose.VERIFY, Instant.now());
      events =
          awaitGateEvents(
              platform,
              list ->
                  list.stream()
                      .anyMatch(
                          e ->
                              e.data() instanceof GatePassed p && p.gateName().equals("sentinel")));
    } finally {
      one.close();
      if (two != null) {
        two.close();
      }
    }

    assertThat(measured(events).stream().filter(m -> m.gateName().equals("long")))
        .extracting(m -> m.measurement().index())
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    assertThat(
            events.stream()
                .filter(
                    e -> TestingValidator.isVerdict(e) && e.data().toString().contains("w0-long")))
        .hasSize(1);
  }

  @Test
  void twoInstancesThatBothRunAGatePublishItsEventsAsOne() {
    // Two instances that each believe they own the gate: one that paused past its session (its
    // partition moved) and its successor. Two groups make both run it in full.
    String platform = platform("twice");
    String upgrade = "u-" + platform;
    ApplicationContext one =
        TestingValidator.start("validator-twice-" + UUID.randomUUID(), reachable(platform));
    ApplicationContext two =
        TestingValidator.start("validator-twice-" + UUID.randomUUID(), reachable(platform));
    List<EventEnvelope> events;
    try {
      // Both assigned (and their replays done) before the request: an instance assigned later
      // would find the other's first measurement in the log and resume after it, not run in full.
      for (ApplicationContext instance : List.of(one, two)) {
        Eventually.until(
            "both instances consume their partitions",
            Duration.ofSeconds(30),
            () ->
                instance.getBean(EventConsumers.class).running().stream()
                    .allMatch(consumer -> consumer.assigned() && consumer.consuming()));
      }
      request(platform, upgrade, health("twice", 3), GatePurpose.VERIFY, Instant.now());
      events =
          awaitGateEvents(
              platform, list -> list.stream().filter(TestingValidator::isVerdict).count() == 2);
    } finally {
      one.close();
      two.close();
    }

    assertThat(events).as("each instance published its measurements and verdict").hasSize(8);
    Map<String, List<EventEnvelope>> byId =
        events.stream().collect(Collectors.groupingBy(EventEnvelope::id));
    assertThat(byId)
        .as("what a consumer that skips known ids sees: three measurements and one verdict")
        .hasSize(4);
    assertThat(
            byId.values().stream()
                .map(same -> same.get(0))
                .filter(TestingValidator::isVerdict)
                .count())
        .isEqualTo(1);
    assertThat(
            byId.values().stream()
                .map(same -> same.get(0))
                .filter(e -> e.data() instanceof GateMeasured)
                .map(e -> ((GateMeasured) e.data()).measurement().index())
                .sorted()
                .toList())
        .containsExactly(0, 1, 2);
  }
}
