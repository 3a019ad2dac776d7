package dev.lockstep.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.Json;
import org.junit.jupiter.api.Test;

/** {@code lockstep replay}: each line of the recorder's replay as one readable line. */
class ReplayLinesTest {
  private static String line(String json) throws Exception {
    return EventText.ofReplayLine(Json.mapper().readTree(json));
  }

  @Test
  void eachEventShowsItsOffsetTypeAndWhatItSays() throws Exception {
    assertThat(
            line(
                "{\"offsetMillis\":0,\"event\":{\"id\":\"e1\",\"type\":\"dev.lockstep.upgrade.requested\","
                    + "\"subject\":\"up-1\",\"data\":{\"upgradeId\":\"up-1\",\"platform\":\"dataos-prod\","
                    + "\"release\":{\"metadata\":{\"name\":\"dataos\",\"version\":\"2.4.0\"}},"
                    + "\"requestedBy\":\"alice\",\"reason\":\"quarterly release\"}}}"))
        .isEqualTo(
            "+0.000s  upgrade.requested          dataos-prod to dataos 2.4.0 by alice: quarterly"
                + " release");
    assertThat(
            line(
                "{\"offsetMillis\":7250,\"event\":{\"type\":\"dev.lockstep.step.succeeded\","
                    + "\"data\":{\"stepId\":\"s-1-1\",\"component\":\"metis\",\"action\":\"set-image\","
                    + "\"from\":\"2.3.1\",\"to\":\"2.4.0\",\"before\":[]}}}"))
        .isEqualTo("+7.250s  step.succeeded             step s-1-1 metis set-image 2.3.1 -> 2.4.0");
    assertThat(
            line(
                "{\"offsetMillis\":14000,\"event\":{\"type\":\"dev.lockstep.gate.failed\","
                    + "\"data\":{\"gateName\":\"error-rate\",\"kind\":\"prometheus\","
                    + "\"reason\":\"failureLimit 1 exceeded\",\"measurements\":[]}}}"))
        .isEqualTo(
            "+14.000s  gate.failed                error-rate (prometheus): failureLimit 1 exceeded");
    assertThat(
            line(
                "{\"offsetMillis\":16000,\"event\":{\"type\":\"dev.lockstep.notification.failed\","
                    + "\"data\":{\"team\":\"sre\",\"channel\":{\"type\":\"webhook\",\"name\":\"pager\"},"
                    + "\"attempts\":3,\"reason\":\"HTTP 503\"}}}"))
        .isEqualTo("+16.000s  notification.failed        to sre on webhook:pager: HTTP 503");
    assertThat(
            line(
                "{\"offsetMillis\":16000,\"event\":{\"type\":\"dev.lockstep.notification.delivered\","
                    + "\"data\":{\"team\":\"sre\",\"channel\":{\"type\":\"feed\",\"name\":\"sre\"},"
                    + "\"attempts\":1}}}"))
        .as("an entry in a team's feed")
        .isEqualTo("+16.000s  notification.delivered     in the feed of sre");
  }

  @Test
  void anEventTypeTheCommandDoesNotKnowStillGetsItsLine() throws Exception {
    assertThat(
            line(
                "{\"offsetMillis\":1,\"event\":{\"type\":\"dev.lockstep.something.new\",\"data\":{}}}"))
        .isEqualTo("+0.001s  something.new");
  }
}
