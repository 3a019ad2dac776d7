package dev.lockstep.events;

import jakarta.annotation.Nullable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;

/**
 * The upgrade id and platform a payload names, at its top or in the plan it carries: what an
 * event's subject and platform must be. Read through the records' accessors (found once per class),
 * so the check costs no serialisation on the hot path.
 */
final class PayloadIds {
  private static final ClassValue<Accessors> ACCESSORS =
      new ClassValue<>() {
        @Override
        protected Accessors computeValue(Class<?> type) {
          return new Accessors(
              accessor(type, "upgradeId"), accessor(type, "platform"), accessor(type, "plan"));
        }
      };

  private PayloadIds() {}

  /** The upgrade id the payload names; null when it names none. */
  @Nullable
  static String upgradeId(Object payload) {
    return named(payload, Accessors::upgradeId);
  }

  /** The platform the payload names; null when it names none. */
  @Nullable
  static String platform(Object payload) {
    return named(payload, Accessors::platform);
  }

  private static String named(Object payload, java.util.function.Function<Accessors, Method> pick) {
    if (payload == null) {
      return null;
    }
    Accessors own = ACCESSORS.get(payload.getClass());
    if (pick.apply(own) != null) {
      return text(invoke(pick.apply(own), payload));
    }
    if (own.plan() != null) {
      Object plan = invoke(own.plan(), payload);
      if (plan != null) {
        Method inner = pick.apply(ACCESSORS.get(plan.getClass()));
        return inner == null ? null : text(invoke(inner, plan));
      }
    }
    return null;
  }

  private static String text(Object value) {
    return value instanceof String s && !s.isBlank() ? s : null;
  }

  private static Object invoke(Method accessor, Object target) {
    try {
      return accessor.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + accessor, e);
    }
  }

  private static Method accessor(Class<?> type, String name) {
    if (!type.isRecord()) {
      return null;
    }
    for (RecordComponent c : type.getRecordComponents()) {
      if (c.getName().equals(name)) {
        Method m = c.getAccessor();
        m.setAccessible(true);
        return m;
      }
    }
    return null;
  }

  private record Accessors(Method upgradeId, Method platform, Method plan) {}
}
