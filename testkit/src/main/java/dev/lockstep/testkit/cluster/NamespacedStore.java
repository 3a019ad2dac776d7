package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The CRUD dispatcher's store of objects (attributes to JSON, in the order they were created), also
 * kept by namespace. The fabric8 dispatcher finds an object, or the items of a list, by matching
 * the request's attributes against every stored object in turn: with two hundred platforms' copies
 * of the sample (about 6,000 objects), every call, a Lease's renewal included, paid for all of
 * them, on the server's event loop threads. A call {@link #within} one namespace sees only that
 * namespace's objects: the only ones that can match, since a query naming a namespace matches only
 * objects with that very namespace attribute. Its answers are the same, only sooner.
 *
 * <p>Synchronized like the {@link Collections#synchronizedMap} it replaces; the dispatcher's own
 * read and write lock keeps the views it iterates from changing under it.
 */
final class NamespacedStore extends AbstractMap<AttributeSet, String> {
  private static final String NAMESPACE = KubernetesAttributesExtractor.NAMESPACE;

  private final Map<AttributeSet, String> all = new LinkedHashMap<>();
  private final Map<Attribute, Map<AttributeSet, String>> byNamespace = new HashMap<>();
  private final ThreadLocal<Map<AttributeSet, String>> scope = new ThreadLocal<>();

  /** Puts a new store in place of the dispatcher's own, which must still be empty. */
  static NamespacedStore install(CrudDispatcher dispatcher) {
    NamespacedStore store = new NamespacedStore();
    try {
      Field map = CrudDispatcher.class.getDeclaredField("map");
      map.setAccessible(true);
      if (!((Map<?, ?>) map.get(dispatcher)).isEmpty()) {
        throw new IllegalStateException("the dispatcher already stores objects");
      }
      map.set(dispatcher, store);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the fabric8 CRUD dispatcher changed: no field map", e);
    }
    return store;
  }

  /**
   * Runs {@code call} seeing only the objects of the namespace {@code query} names, or every object
   * when it names none (a cluster-scoped object, a list across namespaces).
   */
  <T> T within(AttributeSet query, Supplier<T> call) {
    Attribute namespace = query == null ? null : query.getAttribute(NAMESPACE);
    Map<AttributeSet, String> objects = null;
    if (namespace != null
        && namespace.getType() == AttributeType.WITH
        && namespace.getValues().size() == 1) {
      synchronized (this) {
        objects = byNamespace.getOrDefault(namespace, Map.of());
      }
    }
    Map<AttributeSet, String> outer = scope.get();
    scope.set(objects);
    try {
      return call.get();
    } finally {
      scope.set(outer);
    }
  }

  @Override
  public synchronized String put(AttributeSet key, String value) {
    byNamespace
        .computeIfAbsent(key.getAttribute(NAMESPACE), n -> new LinkedHashMap<>())
        .put(key, value);
    return all.put(key, value);
  }

  @Override
  public synchronized String remove(Object key) {
    if (key instanceof AttributeSet attributes) {
      Attribute namespace = attributes.getAttribute(NAMESPACE);
      Map<AttributeSet, String> objects = byNamespace.get(namespace);
      if (objects != null) {
        objects.remove(attributes);
        if (objects.isEmpty()) {
          byNamespace.remove(namespace);
        }
      }
    }
    return all.remove(key);
  }

  @Override
  public synchronized String get(Object key) {
    return all.get(key);
  }

  @Override
  public synchronized boolean containsKey(Object key) {
    return all.containsKey(key);
  }

  @Override
  public synchronized int size() {
    return all.size();
  }

  @Override
  public synchronized void clear() {
    all.clear();
    byNamespace.clear();
  }

  /** The objects in scope ({@link #within}), or all; read only. */
  @Override
  public synchronized Set<Entry<AttributeSet, String>> entrySet() {
    Map<AttributeSet, String> scoped = scope.get();
    return Collections.unmodifiableMap(scoped == null ? all : scoped).entrySet();
  }
}
