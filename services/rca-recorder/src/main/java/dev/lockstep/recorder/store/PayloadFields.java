package dev.lockstep.recorder.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a named component of a payload record (or of a record it holds) through its accessor, found
 * once per class: what the field of that name in the payload's JSON holds, without writing the
 * JSON. Pure.
 */
final class PayloadFields {
  private static final ClassValue<Map<String, Method>> ACCESSORS =
      new ClassValue<>() {
        @Override
        protected Map<String, Method> computeValue(Class<?> type) {
          Map<String, Method> accessors = new HashMap<>();
          RecordComponent[] components = type.getRecordComponents();
          if (components != null) {
            for (RecordComponent component : components) {
              Method accessor = component.getAccessor();
              accessor.setAccessible(true);
              accessors.put(component.getName(), accessor);
            }
          }
          return accessors;
        }
      };

  private PayloadFields() {}

  /** The value of the named component of a record, or null (no such component, or null). */
  static Object value(Object record, String name) {
    if (record == null) {
      return null;
    }
    Method accessor = ACCESSORS.get(record.getClass()).get(name);
    if (accessor == null) {
      return null;
    }
    try {
      return accessor.invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + name + " of " + record.getClass(), e);
    }
  }

  /** The named component when it is a string, else null: what a JSON text field of it gives. */
  static String text(Object record, String name) {
    return value(record, name) instanceof String text ? text : null;
  }
}
