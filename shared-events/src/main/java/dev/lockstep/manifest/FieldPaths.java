package dev.lockstep.manifest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dotted paths into a Kubernetes object as a map ({@code spec.version}, {@code status.health}), as
 * a custom resource step names them in {@code set} and {@code readyWhen}. A path may step into a
 * {@code conditions} list by the condition's type: {@code status.conditions.Ready} is the {@code
 * status} of the condition of type {@code Ready}, {@code status.conditions.Ready.reason} its
 * reason. Pure functions over maps: the one reading of these paths, shared by the executor (which
 * writes {@code set} and waits for {@code readyWhen}) and the validator (whose status gates check
 * the same fields).
 */
public final class FieldPaths {
  private FieldPaths() {}

  /** The value at the path, or null when some part of it is missing. */
  public static Object get(Map<String, ?> object, String path) {
    Object current = object;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (current instanceof Map<?, ?> map) {
        current = map.get(part);
      } else if (current instanceof List<?> list) {
        Map<String, Object> condition = conditionOfType(list, part);
        if (condition == null) {
          return null;
        }
        current = i == parts.length - 1 ? condition.get("status") : condition;
      } else {
        return null;
      }
    }
    return current;
  }

  /** Whether every part of the path exists, so that {@link #set} changes a field and adds none. */
  public static boolean exists(Map<String, Object> object, String path) {
    Object current = object;
    for (String part : path.split("\\.")) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(part)) {
        return false;
      }
      current = map.get(part);
    }
    return true;
  }

  /**
   * Sets the field at an existing path: a map value is merged into a map field as a JSON merge
   * patch does (a null removes a key), anything else replaces the field.
   */
  @SuppressWarnings("unchecked")
  public static void set(Map<String, Object> object, String path, Object value) {
    String[] parts = path.split("\\.");
    Map<String, Object> parent = object;
    for (int i = 0; i < parts.length - 1; i++) {
      Object next = parent.get(parts[i]);
      if (!(next instanceof Map<?, ?>)) {
        throw new IllegalArgumentException("no field " + path);
      }
      parent = (Map<String, Object>) next;
    }
    String leaf = parts[parts.length - 1];
    Object old = parent.get(leaf);
    if (value instanceof Map<?, ?> patch && old instanceof Map<?, ?> target) {
      parent.put(leaf, merge((Map<String, Object>) target, (Map<String, Object>) patch));
    } else {
      parent.put(leaf, value);
    }
  }

  /** The keys under the longest existing prefix of the path, to help a reader fix a typo. */
  public static List<String> keysNear(Map<String, Object> object, String path) {
    Object current = object;
    for (String part : path.split("\\.")) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(part)) {
        break;
      }
      current = map.get(part);
    }
    List<String> keys = new ArrayList<>();
    if (current instanceof Map<?, ?> map) {
      map.keySet().forEach(key -> keys.add(String.valueOf(key)));
    }
    return keys;
  }

  /** Whether an actual value means the expected one: equal as text (numbers, booleans, strings). */
  public static boolean matches(Object expected, Object actual) {
    if (actual == null) {
      return expected == null;
    }
    return String.valueOf(expected).equals(String.valueOf(actual));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> merge(Map<String, Object> target, Map<String, Object> patch) {
    Map<String, Object> result = new LinkedHashMap<>(target);
    patch.forEach(
        (key, value) -> {
          if (value == null) {
            result.remove(key);
          } else if (value instanceof Map<?, ?> inner && result.get(key) instanceof Map<?, ?> old) {
            result.put(key, merge((Map<String, Object>) old, (Map<String, Object>) inner));
          } else {
            result.put(key, value);
          }
        });
    return result;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> conditionOfType(List<?> list, String type) {
    for (Object item : list) {
      if (item instanceof Map<?, ?> map && type.equals(map.get("type"))) {
        return (Map<String, Object>) map;
      }
    }
    return null;
  }
}
