package dev.lockstep.console.afterwards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a replay plays: the recorder's replay of an upgrade ({@code GET
 * /api/v1/upgrades/{id}/replay}, one line per event with its offset from the first, the upgrade's
 * and its rollbacks' events in log order), and the speeds a viewer may choose.
 */
final class Replay {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The speeds offered, slowest first; {@code max} plays the events without waiting. */
  static final List<String> SPEEDS = List.of("1", "10", "60", "600", "max");

  /** The largest numeric speed, as the recorder's replay allows. */
  static final double MAX_SPEED = 1_000_000;

  private Replay() {}

  /**
   * One recorded event and when it happened.
   *
   * @param offsetMillis milliseconds after the upgrade's first event
   * @param event the CloudEvent as the recorder gives it
   */
  record Line(long offsetMillis, JsonNode event) {}

  /** The recorder's replay body as lines; a line that is not one is left out. */
  static List<Line> lines(String ndjson) {
    List<Line> lines = new ArrayList<>();
    if (ndjson == null) {
      return lines;
    }
    for (String text : ndjson.split("\n")) {
      if (text.isBlank()) {
        continue;
      }
      try {
        JsonNode line = MAPPER.readTree(text);
        if (line.path("event").isObject()) {
          lines.add(new Line(line.path("offsetMillis").asLong(), line.path("event")));
        }
      } catch (IOException e) {
        // not a replay line: nothing to play
      }
    }
    return lines;
  }

  /**
   * A chosen speed: {@code max}, or a number above 0 and at most {@link #MAX_SPEED} (a trailing
   * {@code x} allowed); empty when it is neither.
   */
  static Optional<Double> speed(String chosen) {
    if (chosen == null) {
      return Optional.empty();
    }
    String s = chosen.trim().toLowerCase(Locale.ROOT);
    if (s.equals("max")) {
      return Optional.of(Double.POSITIVE_INFINITY);
    }
    s = s.endsWith("x") ? s.substring(0, s.length() - 1) : s;
    try {
      double value = Double.parseDouble(s);
      return value > 0 && value <= MAX_SPEED ? Optional.of(value) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A speed as the viewer reads it ({@code 10x}, {@code max}). */
  static String label(double speed) {
    if (Double.isInfinite(speed)) {
      return "max";
    }
    return (speed == Math.rint(speed) ? Long.toString((long) speed) : Double.toString(speed)) + "x";
  }

  /** A speed as the URL carries it. */
  static String param(double speed) {
    String label = label(speed);
    return label.endsWith("x") ? label.substring(0, label.length() - 1) : label;
  }

  /** Events that play within this span go to the browser as one frame. */
  static final Duration FRAME = Duration.ofMillis(50);

  /** At {@code max}, one event this long after the one before (500 a second). */
  static final Duration MAX_STEP = Duration.ofMillis(2);

  /**
   * What plays together and how long to wait for it.
   *
   * @param delay how long after the frame before it (or after the start) it plays
   * @param from the index of its first line
   * @param to the index after its last line: the point the replay has reached with it
   */
  record Frame(Duration delay, int from, int to) {}

  /**
   * The frames of a replay from line {@code from} on: each line plays at its offset after the first
   * line played, divided by the speed (at {@code max}, {@link #MAX_STEP} after the line before);
   * lines that play within one {@link #FRAME} of the replay's time go together, so that a fast
   * replay of a long upgrade sends the browser a few frames a second, not one per event.
   */
  static List<Frame> frames(List<Line> lines, int from, double speed) {
    List<Frame> frames = new ArrayList<>();
    long frameNanos = FRAME.toNanos();
    long previousBucket = 0;
    int start = from;
    long startBucket = -1;
    long latest = 0;
    for (int i = from; i < lines.size(); i++) {
      // an event recorded with an earlier time than the one before it plays right after it
      long at = Math.max(latest, playsAt(lines, from, i, speed));
      latest = at;
      long bucket = at / frameNanos;
      if (startBucket < 0) {
        startBucket = bucket;
      } else if (bucket != startBucket) {
        frames.add(
            new Frame(Duration.ofNanos((startBucket - previousBucket) * frameNanos), start, i));
        previousBucket = startBucket;
        start = i;
        startBucket = bucket;
      }
    }
    if (startBucket >= 0) {
      frames.add(
          new Frame(
              Duration.ofNanos((startBucket - previousBucket) * frameNanos), start, lines.size()));
    }
    return frames;
  }

  /**
   * When line {@code index} plays, in nanoseconds after the replay started at line {@code from}:
   * resuming at a later line waits the gap before it too (the original spacing, divided).
   */
  private static long playsAt(List<Line> lines, int from, int index, double speed) {
    if (Double.isInfinite(speed)) {
      return (index - from) * MAX_STEP.toNanos();
    }
    long base = from == 0 ? lines.get(0).offsetMillis() : lines.get(from - 1).offsetMillis();
    long millis = Math.max(0, lines.get(index).offsetMillis() - base);
    return (long) (millis * 1_000_000d / speed);
  }
}
