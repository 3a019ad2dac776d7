package dev.lockstep.console.submit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The release an operator last previewed, kept server-side per session until it is submitted, so
 * that the confirmation submits exactly what the preview showed (the browser sends back only the
 * preview's random id). One per session: a newer preview replaces the older, whose confirmation is
 * then refused; a preview is forgotten with its session or after an hour.
 */
@Singleton
public class Previews {
  /** How long a preview may be confirmed. */
  static final Duration VALIDITY = Duration.ofHours(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Pending> bySession = new ConcurrentHashMap<>();
  private final Sessions sessions;
  private final Clock clock;

  public Previews(Sessions sessions, Clock clock) {
    this.sessions = sessions;
    this.clock = clock;
  }

  /** Keeps a previewed submission for the session, replacing its earlier one. */
  Pending keep(Session session, SubmitForm form, ObjectNode submission) {
    // forget the previews of sessions that ended (their operators never come back for them)
    bySession.keySet().removeIf(id -> sessions.find(id).isEmpty());
    Pending pending = new Pending(random(), form, submission, clock.instant());
    bySession.put(session.id(), pending);
    return pending;
  }

  /**
   * Takes the session's preview of that id, once: a second confirmation (a double click) finds
   * nothing, so one preview makes at most one upgrade.
   */
  Optional<Pending> take(Session session, String id) {
    Pending[] taken = new Pending[1];
    bySession.computeIfPresent(
        session.id(),
        (key, pending) -> {
          if (!pending.id().equals(id)) {
            return pending;
          }
          taken[0] = pending;
          return null;
        });
    Pending pending = taken[0];
    if (pending == null || clock.instant().isAfter(pending.at().plus(VALIDITY))) {
      return Optional.empty();
    }
    return Optional.of(pending);
  }

  /** Puts a taken preview back, when the planner did not take it (it did not answer, say). */
  void putBack(Session session, Pending pending) {
    bySession.putIfAbsent(session.id(), pending);
  }

  private static String random() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * A previewed submission.
   *
   * @param id the random id the confirmation form carries
   * @param form the form as it was, to show it again if the planner refuses the submission
   * @param submission the body of {@code POST /api/v1/upgrades}
   * @param at when it was previewed
   */
  record Pending(String id, SubmitForm form, ObjectNode submission, Instant at) {}
}
