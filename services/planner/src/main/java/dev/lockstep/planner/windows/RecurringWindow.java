package dev.lockstep.planner.windows;

import dev.lockstep.events.v1.Window;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A platform's recurring maintenance window, written {@code "Tue,Thu 22:00-02:00 Europe/Berlin"}:
 * the days it opens on ({@code Mon}..{@code Sun}, a list, ranges such as {@code Mon-Fri}, or {@code
 * daily}), its local start and end ({@code HH:MM}, or {@code HH:MM:SS}; an end at or before the
 * start is on the next day, so a window may pass midnight) and an IANA zone. Local times are turned
 * into instants by java.time, so a window keeps its wall-clock hours across a daylight-saving
 * change: a start that falls in the hour the clocks skip moves forward by that hour, and one that
 * falls in the hour they repeat takes its earlier occurrence.
 *
 * @param days the days the window opens on
 * @param start the local time it opens
 * @param end the local time it closes (on the next day when not after {@code start})
 * @param zone the zone of both times
 */
public record RecurringWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {
  private static final List<String> DAY_NAMES =
      List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

  public RecurringWindow {
    days = Set.copyOf(days);
  }

  /**
   * Reads a window spec.
   *
   * @throws IllegalArgumentException with every problem of the spec, for people
   */
  public static RecurringWindow parse(String spec) {
    String[] parts = spec == null ? new String[0] : spec.trim().split("\\s+");
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' is not a window: write days, local start-end and a zone, for example"
              + " 'Tue,Thu 22:00-02:00 Europe/Berlin'");
    }
    List<String> problems = new ArrayList<>();
    Set<DayOfWeek> days = days(parts[0], problems);
    LocalTime start = null;
    LocalTime end = null;
    String[] times = parts[1].split("-", -1);
    if (times.length != 2) {
      problems.add("'" + parts[1] + "' is not a start-end time range such as 22:00-02:00");
    } else {
      start = time(times[0], problems);
      end = time(times[1], problems);
      if (start != null && start.equals(end)) {
        problems.add("the window " + parts[1] + " starts and ends at the same time");
      }
    }
    ZoneId zone = null;
    try {
      zone = ZoneId.of(parts[2]);
    } catch (DateTimeException e) {
      problems.add("'" + parts[2] + "' is not a time zone (an IANA name such as Europe/Berlin)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("'" + spec + "': " + String.join("; ", problems));
    }
    return new RecurringWindow(days, start, end, zone);
  }

  /**
   * The next occurrence that has not ended at {@code now}: the one open now (its {@code notBefore}
   * already past), or else the next one to open.
   */
  public Window next(Instant now) {
    LocalDate today = now.atZone(zone).toLocalDate();
    // an occurrence that opened yesterday may still be open; a week ahead always holds one
    for (LocalDate day = today.minusDays(1); ; day = day.plusDays(1)) {
      if (!days.contains(day.getDayOfWeek())) {
        continue;
      }
      Instant opens = ZonedDateTime.of(day, start, zone).toInstant();
      LocalDate endDay = end.isAfter(start) ? day : day.plusDays(1);
      Instant closes = ZonedDateTime.of(endDay, end, zone).toInstant();
      if (closes.isAfter(now)) {
        return new Window(opens, closes);
      }
    }
  }

  /** The earliest of the windows' next occurrences that has not ended; empty for no windows. */
  public static Optional<Window> nextOf(List<RecurringWindow> windows, Instant now) {
    return windows.stream()
        .map(w -> w.next(now))
        .min(
            (a, b) ->
                a.notBefore().equals(b.notBefore())
                    ? a.notAfter().compareTo(b.notAfter())
                    : a.notBefore().compareTo(b.notBefore()));
  }

  private static Set<DayOfWeek> days(String text, List<String> problems) {
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    if (text.equalsIgnoreCase("daily")) {
      return EnumSet.allOf(DayOfWeek.class);
    }
    for (String item : text.split(",", -1)) {
      String[] range = item.split("-", -1);
      DayOfWeek from = day(range[0], problems);
      DayOfWeek to = range.length == 2 ? day(range[1], problems) : from;
      if (range.length > 2) {
        problems.add("'" + item + "' is not a day or a range of days such as Mon-Fri");
      } else if (from != null && to != null) {
        for (DayOfWeek d = from; ; d = d.plus(1)) {
          days.add(d);
          if (d == to) {
            break;
          }
        }
      }
    }
    return days;
  }

  private static DayOfWeek day(String name, List<String> problems) {
    int index = DAY_NAMES.indexOf(name.toLowerCase(Locale.ROOT));
    if (index < 0) {
      problems.add("'" + name + "' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun or daily)");
      return null;
    }
    return DayOfWeek.of(index + 1);
  }

  private static LocalTime time(String text, List<String> problems) {
    try {
      return LocalTime.parse(text.length() == 4 ? "0" + text : text);
    } catch (DateTimeParseException e) {
      problems.add("'" + text + "' is not a time of day (HH:MM or HH:MM:SS, 00:00 to 23:59:59)");
      return null;
    }
  }
}
