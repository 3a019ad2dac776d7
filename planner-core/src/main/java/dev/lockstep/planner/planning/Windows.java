package dev.lockstep.planner.planning;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Window;
import dev.lockstep.planner.model.Codes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Whether a maintenance window can still be met at a given time. */
public final class Windows {
  private Windows() {}

  /** The problems of a window at {@code now}: none when it can be met (or there is none). */
  public static List<ErrorDetail> check(Window window, Instant now, String path) {
    List<ErrorDetail> errors = new ArrayList<>();
    if (window == null) {
      return errors;
    }
    if (window.notBefore() != null
        && window.notAfter() != null
        && window.notAfter().isBefore(window.notBefore())) {
      errors.add(
          new ErrorDetail(
              Codes.OUTSIDE_WINDOW,
              path + ".notAfter",
              "the window ends ("
                  + window.notAfter()
                  + ") before it starts ("
                  + window.notBefore()
                  + ")"));
    } else if (window.notAfter() != null && window.notAfter().isBefore(now)) {
      errors.add(
          new ErrorDetail(
              Codes.OUTSIDE_WINDOW,
              path + ".notAfter",
              "the window closed at " + window.notAfter() + "; it is now " + now));
    }
    return errors;
  }
}
