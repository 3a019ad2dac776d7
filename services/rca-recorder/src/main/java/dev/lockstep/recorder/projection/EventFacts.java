package dev.lockstep.recorder.projection;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.PlanCreated;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;

/** What the projections need to know of any event, read from its payload record. */
public final class EventFacts {
  private EventFacts() {}

  /** The upgrade an event belongs to: its subject, else the upgrade id its payload names. */
  public static String upgradeIdOf(EventEnvelope event) {
    if (event.subject() != null) {
      return event.subject();
    }
    if (event.data() instanceof PlanCreated created) {
      return created.plan().upgradeId();
    }
    return component(event.data(), "upgradeId");
  }

  /** The upgrade a rollback's event rolls back, or null when it names none. */
  public static String rollbackOfIn(EventEnvelope event) {
    if (event.data() instanceof PlanCreated created) {
      return created.plan().rollbackOf();
    }
    return component(event.data(), "rollbackOf");
  }

  private static String component(EventPayload payload, String name) {
    RecordComponent[] components = payload.getClass().getRecordComponents();
    if (components == null) {
      return null;
    }
    for (RecordComponent component : components) {
      if (component.getName().equals(name) && component.getType() == String.class) {
        try {
          return (String) component.getAccessor().invoke(payload);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException("cannot read " + name + " of " + payload, e);
        }
      }
    }
    return null;
  }
}
