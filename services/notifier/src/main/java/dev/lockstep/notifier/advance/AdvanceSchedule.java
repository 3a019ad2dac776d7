package dev.lockstep.notifier.advance;

import dev.lockstep.events.v1.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When the advance notices of a plan are due: each lead time before its window opens. A plan
 * without a window start gets none; a lead time already past when the plan arrives is skipped (the
 * plan's own notice tells the window).
 */
public final class AdvanceSchedule {
  private AdvanceSchedule() {}

  /**
   * One advance notice to send.
   *
   * @param lead how long before the window
   * @param due when to send it
   */
  public record Due(Duration lead, Instant due) {}

  /**
   * Reads lead times: comma-separated, each ISO-8601 ({@code PT24H}) or a number with a unit
   * ({@code 24h}, {@code 30m}, {@code 90s}, {@code 2d}).
   */
  public static List<Duration> parseLeads(String text) {
    List<Duration> leads = new ArrayList<>();
    for (String part : text.split(",")) {
      String lead = part.trim().toLowerCase(java.util.Locale.ROOT);
      if (lead.isEmpty()) {
        continue;
      }
      if (lead.startsWith("p")) {
        leads.add(Duration.parse(lead.toUpperCase(java.util.Locale.ROOT)));
        continue;
      }
      long amount = Long.parseLong(lead.substring(0, lead.length() - 1));
      leads.add(
          switch (lead.charAt(lead.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            case 'd' -> Duration.ofDays(amount);
            default ->
                throw new IllegalArgumentException("unknown lead time unit in '" + part + "'");
          });
    }
    return leads;
  }

  /** The advance notices of a plan seen at {@code now}. */
  public static List<Due> of(Plan plan, List<Duration> leads, Instant now) {
    if (plan.window() == null || plan.window().notBefore() == null) {
      return List.of();
    }
    Instant opens = plan.window().notBefore();
    List<Due> due = new ArrayList<>();
    for (Duration lead : leads) {
      Instant at = opens.minus(lead);
      if (at.isAfter(now)) {
        due.add(new Due(lead, at));
      }
    }
    return due;
  }
}
