package dev.lockstep.runtime.kafka;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;

/**
 * Tells a handler failure caused by the event's own data (poison: it fails the same way on every
 * attempt, so it is dead-lettered) from one that may heal (everything else: retried).
 *
 * <p>Poison is, anywhere in the cause chain: a {@link PoisonEventException}; or a database refusing
 * the row for its data, that is an SQLSTATE of class 22 (data exception, such as 22P05 or 22021 for
 * a NUL character in a string), 23502 (not null) or 23514 (check), from a JDBC {@link SQLException}
 * or an R2DBC {@code io.r2dbc.spi.R2dbcException}. The R2DBC type is recognised by name, so the
 * runtime does not depend on R2DBC.
 */
public final class Failures {
  private static final String R2DBC_EXCEPTION = "io.r2dbc.spi.R2dbcException";
  private static final int MAX_DEPTH = 64;

  /**
   * Integrity violations that the row's own data causes: a null where none may be (23502), a check
   * constraint (23514). A unique (23505), foreign key (23503) or exclusion (23P01) violation may be
   * a race with another instance or an order that heals, and is retried.
   */
  private static final Set<String> DATA_CONSTRAINTS = Set.of("23502", "23514");

  private Failures() {}

  /** True when the failure means the event can never be handled. */
  public static boolean isPoison(Throwable failure) {
    return poisonCause(failure).isPresent();
  }

  /** The cause that makes the failure poison, if it is. */
  public static Optional<Throwable> poisonCause(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Throwable current = failure;
    for (int depth = 0; current != null && depth < MAX_DEPTH && seen.add(current); depth++) {
      if (current instanceof PoisonEventException) {
        return Optional.of(current);
      }
      if (isDataRefusal(sqlState(current))) {
        return Optional.of(current);
      }
      if (current instanceof SQLException sql && sql.getNextException() != null) {
        Optional<Throwable> next = poisonCause(sql.getNextException());
        if (next.isPresent()) {
          return next;
        }
      }
      current = current.getCause();
    }
    return Optional.empty();
  }

  /**
   * Why the failure is poison, for the dead letter's reason: the refusing cause's message with its
   * SQLSTATE, or the failure itself when it is not poison.
   */
  public static String describe(Throwable failure) {
    Throwable cause = poisonCause(failure).orElse(failure);
    String state = sqlState(cause);
    String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
    if (cause instanceof PoisonEventException) {
      return message;
    }
    return state == null ? cause.toString() : "SQLSTATE " + state + ": " + message;
  }

  private static boolean isDataRefusal(String sqlState) {
    return sqlState != null && (sqlState.startsWith("22") || DATA_CONSTRAINTS.contains(sqlState));
  }

  /** The SQLSTATE a JDBC or R2DBC exception carries, else null. */
  static String sqlState(Throwable failure) {
    if (failure instanceof SQLException sql) {
      return sql.getSQLState();
    }
    for (Class<?> type = failure.getClass(); type != null; type = type.getSuperclass()) {
      if (type.getName().equals(R2DBC_EXCEPTION)) {
        try {
          Method getter = type.getMethod("getSqlState");
          Object state = getter.invoke(failure);
          return state instanceof String s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
          return null;
        }
      }
    }
    return null;
  }
}
